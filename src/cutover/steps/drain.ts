/** The target holds every source record: MirrorMaker 2 caught up and the tails match (records behind an open transaction are waited for). */
import { CheckFailedError } from '../../errors.js';
import { replicationProgress } from '../../migration/progress.js';
import { countDataRecords, heldBackByOpenTransactions, parseTpKey, tpKey, translateOffsets } from '../../offsets/translation.js';
import type { CutoverStep } from '../types.js';
import { sleep } from './shared.js';

export const drain: CutoverStep<'drain'> = {
  name: 'drain',
  does: 'The target holds every source record: MirrorMaker 2 caught up and the tails match (records behind an open transaction are waited for).',
  summary: (d) => `target holds every source record (${String(d.checks)} checks${d.lateRecords ? `; ${String(d.lateRecords)} committed on the source after the fence` : ''})`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target } = deps;
    const topics = ctx.header.topics;
    const frozen = ctx.out('freeze').sourceEnds ?? {};
    const deadline = performance.now() + options.drainTimeoutMs;
    const tailsAndHeld = (of: readonly { topic: string; partition: number }[]) => Promise.all([translateOffsets(source, target, of.map((r) => ({ topic: r.topic, partition: r.partition, committed: [], tail: 8 }))), heldBackByOpenTransactions(source, topics)]);
    const partitions = Object.keys(frozen).map(parseTpKey);
    let previous: Record<string, string> | undefined;
    // while MirrorMaker 2 is still behind, the tails are not read beside each check
    let lastLag = 0n;
    let heldSince: number | undefined;
    for (let checks = 1; ; checks++) {
      // the tails and open transactions are read beside the progress, not after it: the drain is on
      // the clients' pause, and after the fence the first check usually finds the target complete
      // (used only when the progress says so; a tail read a moment early shows as not matched yet)
      const beside = partitions.length > 0 && lastLag === 0n ? tailsAndHeld(partitions) : undefined;
      beside?.catch(() => {});
      const rows = await replicationProgress(source, target, topics, deps.engine);
      const now = Object.fromEntries(rows.map((r) => [tpKey(r.topic, r.partition), r.sourceEnd.toString()]));
      const lag = rows.reduce((n, r) => n + r.lag, 0n);
      lastLag = lag;
      // the source is stable when it still holds the frozen ends (no second read needed), or when two reads agree
      const stable = Object.entries(now).every(([k, v]) => frozen[k] === v) || (previous !== undefined && Object.entries(now).every(([k, v]) => previous![k] === v));
      previous = now;
      if (lag === 0n && stable) {
        // committed records a read_committed reader cannot see yet (behind a transaction a fenced
        // client left open) are records MirrorMaker 2 has not copied: wait for them. Read beside
        // the tails, not after them: the drain is on the clients' pause
        const [tails, held] = beside && partitions.length === rows.length ? await beside : await tailsAndHeld(rows);
        const behind = tails.filter((t) => t.tail && (t.tail.mismatch || t.tail.matched < t.tail.checked));
        if (behind.length === 0 && held.length > 0) {
          if (heldSince === undefined) {
            heldSince = performance.now();
            deps.log(`waiting: committed records on ${held.map((h) => `${h.topic}[${h.partition}] from offset ${h.firstHeld}`).join(', ')} wait behind a transaction a fenced client left open; its coordinator aborts it after the client's transaction.timeout.ms`);
          }
        } else if (behind.length === 0) {
          // the stable end may lie past the freeze: a transaction that was committing when the gateway stopped
          const late = await countDataRecords(source, rows.filter((r) => BigInt(frozen[tpKey(r.topic, r.partition)] ?? r.sourceEnd) < r.sourceEnd).map((r) => ({ topic: r.topic, partition: r.partition, start: BigInt(frozen[tpKey(r.topic, r.partition)]!), end: r.sourceEnd })));
          const lateRecords = [...late.values()].reduce((n, c) => n + c, 0n);
          if (lateRecords > 0n) deps.log(`warning: ${lateRecords} records were committed on the source after the fence (a transaction committing as the gateway stopped, or a client bypassing it); they are on the target too`);
          return { checks, sourceEnds: now, lateRecords: lateRecords.toString() };
        }
        const diverged = behind.filter((b) => b.tail?.mismatch);
        if (diverged.length > 0) throw new CheckFailedError('DIVERGED', `the target's records differ from the source's on ${diverged.map((d) => `${d.topic}[${d.partition}]`).join(', ')}: ${diverged[0]!.tail!.mismatch}`, { hint: 'something other than MirrorMaker 2 writes to the target; --rollback releases the gateway on the source' });
      } else if (lag > 0n && !((await deps.engine?.running()) ?? false)) {
        throw new CheckFailedError('MM2_STOPPED', `MirrorMaker 2 stopped with ${lag} records not copied yet`, { hint: `start it again with \`zdp migrate start --from ${options.from} --to ${options.to}\`, then \`zdp cutover --resume\`` });
      }
      if (performance.now() > deadline) {
        if (heldSince !== undefined && lag === 0n) throw new CheckFailedError('DRAIN_TIMEOUT', `committed records on ${options.from} still wait behind an open transaction after ${Math.round(options.drainTimeoutMs / 1000)}s: MirrorMaker 2 cannot copy them until it ends`, { hint: 'find the transactional producer (kafka-transactions.sh list / describe-producers) and end it, or wait for its transaction.timeout.ms; then --resume (or --rollback)' });
        throw new CheckFailedError('DRAIN_TIMEOUT', `the target is still ${lag} records behind after ${Math.round(options.drainTimeoutMs / 1000)}s`, { hint: 'check `zdp migrate status`; --resume waits again, --rollback releases the gateway on the source' });
      }
      // a check costs a few reads (MirrorMaker 2's progress read since the consumer drain, see drain-consumers): checked often, the drain ends soon after the copy does
      await sleep(heldSince === undefined ? 40 : 500);
    }
  },
};
