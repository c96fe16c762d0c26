/** The target holds every source record: the source's tails are on the target, in order (records behind an open transaction are waited for). */
import { sourceView } from '../../core/cutover/drain-check.js';
import { CheckFailedError } from '../../errors.js';
import { replicationProgress } from '../../migration/progress.js';
import { countDataRecords, endOffsets, heldBackByOpenTransactions, knownOffsetSyncs, tpKey, translateOffsets, type PartitionEnds } from '../../offsets/translation.js';
import type { CutoverDeps, CutoverStep } from '../types.js';
import { ends, frozenEnds, notFrozen, sleep, within } from './shared.js';
import { beginTranslateReads } from './stop-replication.js';

export const drain: CutoverStep<'drain'> = {
  name: 'drain',
  does: "The target holds every source record: the source's tails are on the target, in order (records behind an open transaction are waited for).",
  summary: (d) => `target holds every source record (${String(d.checks)} checks${d.lateRecords ? `; ${String(d.lateRecords)} committed on the source after the fence` : ''})`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target } = deps;
    const topics = ctx.header.topics;
    const frozen = ctx.out('freeze').sourceEnds ?? {};
    const deadline = performance.now() + options.drainTimeoutMs;
    // every active group drained at the gateway: their committed offsets are final, read from now
    const consumers = ctx.out('drain-consumers');
    const reads = consumers.via === 'filter' && (consumers.groups ?? []).every((g) => g.complete) ? beginTranslateReads(deps, topics, options.groupPatterns) : undefined;
    let previous: Record<string, string> | undefined;
    // the ends whose tails the next check looks for: the freeze's read, then the last check's
    // (undefined: a cutover resumed in another process, whose first check reads them first)
    let basis: Map<string, PartitionEnds> | undefined = frozenEnds.get(deps);
    let heldSince: number | undefined;
    let movingSince: number | undefined;
    for (let checks = 1; ; checks++) {
      // One check is the source's ends, its last data records looked for on the target, and the
      // transactions still open, read side by side: the drain is on every client's pause.
      // MirrorMaker 2 copies a partition in order and a copy becomes visible only when its
      // transaction commits, so a tail found on the target, in order and with nothing else after
      // it, means every record before it is there too. The tails looked for are those of the
      // ends read before (the freeze's, then the last check's), while the ends are read again: a
      // check passes only when both reads agree, so the tails it found are the source's. Read one
      // after the other, the ends were 0.03-0.33 s of each check in the fleet benchmark.
      // MirrorMaker 2's own committed offsets (a read of its offsets topic and of the records left
      // to count) are read only to say why a check did not pass. The syncs this process read
      // during the consumer drain (every 500 ms, see drain-consumers) anchor the tails' windows:
      // older syncs are exact anchors too, a read of the newest took 0.2-0.6 s on the pause.
      const began = performance.now();
      const took = (p: Promise<unknown>) => p.then(() => Math.round(performance.now() - began), () => -1);
      const sourceEnds = endOffsets(source, topics);
      const looked = basis ?? (await sourceEnds);
      const tailsRead = knownOffsetSyncs(source).then((syncs) =>
        translateOffsets(source, target, [...looked.values()].map((e) => ({ topic: e.topic, partition: e.partition, committed: [], tail: 8 })), { sourceEnds: looked, syncs }),
      );
      const heldRead = heldBackByOpenTransactions(source, topics, sourceEnds);
      const timing = Promise.all([took(sourceEnds), took(tailsRead), took(heldRead)]);
      const [sEnds, tails, held] = await Promise.all([sourceEnds, tailsRead, heldRead]);
      const now = ends(sEnds);
      // stable: the source still holds the frozen ends (no second read needed), or two reads agree;
      // current: the tails looked for are this read's
      const { stable, current } = sourceView(now, frozen, previous, looked === sEnds ? now : ends(looked));
      basis = sEnds;
      previous = now;
      // as the freeze without the filter: a source that does not stop moving has a writer the gateway does not see
      movingSince = stable ? undefined : (movingSince ?? performance.now());
      if (movingSince !== undefined && performance.now() - movingSince > 9_000) throw notFrozen(source, `the source ${options.from}`);
      const diverged = tails.filter((t) => t.tail?.mismatch);
      if (diverged.length > 0) throw new CheckFailedError('DIVERGED', `the target's records differ from the source's on ${diverged.map((d) => `${d.topic}[${d.partition}]`).join(', ')}: ${diverged[0]!.tail!.mismatch}`, { hint: 'something other than MirrorMaker 2 writes to the target; --rollback releases the gateway on the source' });
      const behind = tails.filter((t) => t.tail && t.tail.matched < t.tail.checked);
      if (behind.length === 0 && stable && current) {
        // committed records a read_committed reader cannot see yet (behind a transaction a fenced
        // client left open) are records MirrorMaker 2 has not copied: wait for them
        if (held.length === 0) {
          // the stable end may lie past the freeze: a transaction that was committing when the gateway stopped
          const moved = [...sEnds.values()].filter((e) => frozen[tpKey(e.topic, e.partition)] !== undefined && BigInt(frozen[tpKey(e.topic, e.partition)]!) < e.high);
          const late = await countDataRecords(source, moved.map((e) => ({ topic: e.topic, partition: e.partition, start: BigInt(frozen[tpKey(e.topic, e.partition)]!), end: e.high })));
          const lateRecords = [...late.values()].reduce((n, c) => n + c, 0n);
          if (lateRecords > 0n) deps.log(`warning: ${lateRecords} records were committed on the source after the fence (a transaction committing as the gateway stopped, or a client bypassing it); they are on the target too`);
          // the ends this check found stable are those translate reads
          if (reads) reads.sourceEnds = Promise.resolve(sEnds);
          // how long the last check's reads took (ms from its start): where a slow drain's time went
          const [endsMs, tailsMs, openMs] = await timing;
          return { checks, sourceEnds: now, lateRecords: lateRecords.toString(), lastCheckMs: { ends: endsMs, tails: tailsMs, open: openMs } };
        }
        if (heldSince === undefined) {
          heldSince = performance.now();
          deps.log(`waiting: committed records on ${held.map((h) => `${h.topic}[${h.partition}] from offset ${h.firstHeld}`).join(', ')} wait behind a transaction a fenced client left open; its coordinator aborts it after the client's transaction.timeout.ms`);
        }
      } else if (behind.length > 0 && !((await deps.engine?.running()) ?? false)) {
        const lag = await lagOf(deps, topics);
        throw new CheckFailedError('MM2_STOPPED', `MirrorMaker 2 stopped with ${lag > 0n ? `${lag} records` : `the newest records of ${behind.length} partitions`} not copied yet`, { hint: `start it again with \`zdp migrate start --from ${options.from} --to ${options.to}\`, then \`zdp cutover --resume\`` });
      }
      if (performance.now() > deadline) {
        if (heldSince !== undefined && behind.length === 0) throw new CheckFailedError('DRAIN_TIMEOUT', `committed records on ${options.from} still wait behind an open transaction after ${Math.round(options.drainTimeoutMs / 1000)}s: MirrorMaker 2 cannot copy them until it ends`, { hint: 'find the transactional producer (kafka-transactions.sh list / describe-producers) and end it, or wait for its transaction.timeout.ms; then --resume (or --rollback)' });
        const lag = await lagOf(deps, topics);
        throw new CheckFailedError('DRAIN_TIMEOUT', `the target is still ${lag > 0n ? `${lag} records` : `the newest records of ${behind.length} partitions`} behind after ${Math.round(options.drainTimeoutMs / 1000)}s`, { hint: 'check `zdp migrate status`; --resume waits again, --rollback releases the gateway on the source' });
      }
      // checked often, the drain ends soon after the copy does
      await sleep(heldSince === undefined ? 40 : 500);
    }
  },
};

/**
 * MirrorMaker 2's lag by its own committed offsets, for a message (0 when it cannot be read within
 * LAG_READ_MS: its offsets topic is read from its start, and producers are held while the message
 * waits; the message then names the partitions instead).
 */
async function lagOf(deps: CutoverDeps, topics: readonly string[]): Promise<bigint> {
  const rows = await within(replicationProgress(deps.source, deps.target, topics, deps.engine).catch(() => []), LAG_READ_MS, []);
  return rows.reduce((n, r) => n + r.lag, 0n);
}

const LAG_READ_MS = 3_000;
