/** Nothing reached the source after the drain; clients produce and consume on the target; no group went below what zdp wrote; every group that ran before runs again. */
import { CheckFailedError } from '../../errors.js';
import { countDataRecords, endOffsets, tpKey } from '../../offsets/translation.js';
import type { CutoverStep } from '../types.js';
import { sleep } from './shared.js';

export const verify: CutoverStep<'verify'> = {
  name: 'verify',
  does: 'Nothing reached the source after the drain; clients produce and consume on the target; no group went below what zdp wrote; every group that ran before runs again.',
  summary: (d, { options }) => `source unchanged: ${String(d.sourceUnchanged)}; on ${options.to}: produced ${String(d.producedOnTarget)}, consumed ${String(d.consumedOnTarget)}`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target, gateway } = deps;
    const topics = ctx.header.topics;
    const drainedEnds = ctx.out('drain').sourceEnds ?? {};
    const targetEnds = ctx.out('stop-replication').targetEnds ?? {};
    const results = ctx.out('translate').offsets ?? [];
    const gw = await gateway.state();
    if (gw.cluster !== options.to || !gw.serving) throw new CheckFailedError('GATEWAY_NOT_SWITCHED', `the gateway is ${gw.serving ? 'serving' : 'not serving'} ${gw.cluster}`);
    // new committed records on the source after the drain mean a client bypasses the gateway
    const sNow = await endOffsets(source, topics);
    const after = await countDataRecords(source, [...sNow.values()].filter((v) => drainedEnds[tpKey(v.topic, v.partition)] !== undefined && v.high > BigInt(drainedEnds[tpKey(v.topic, v.partition)]!)).map((v) => ({ topic: v.topic, partition: v.partition, start: BigInt(drainedEnds[tpKey(v.topic, v.partition)]!), end: v.high })));
    const bypass = [...after].filter(([, n]) => n > 0n).map(([k]) => `${k.replace('\u0000', '[')}]`);
    const deadline = performance.now() + options.verifyMs;
    let produced = false;
    let consumed = results.length === 0;
    const expected = ctx.out('preflight').activeGroups ?? [];
    const rejoined = new Set<string>();
    const written = new Map(results.filter((r) => r.targetOffset !== undefined).map((r) => [`${r.group}\u0000${tpKey(r.topic, r.partition)}`, BigInt(r.targetOffset!)]));
    for (;;) {
      const tNow = await endOffsets(target, topics);
      produced ||= [...tNow].some(([k, v]) => targetEnds[k] !== undefined && v.high > BigInt(targetEnds[k]));
      const now = await target.committedOffsets([...new Set(results.map((r) => r.group))], topics);
      const below = now.filter((o) => (written.get(`${o.group}\u0000${tpKey(o.topic, o.partition)}`) ?? 0n) > o.offset);
      if (below.length > 0) throw new CheckFailedError('OFFSETS_WENT_BACK', `group offsets on ${options.to} went below what zdp wrote: ${below.map((b) => `${b.group} ${b.topic}[${b.partition}]`).join(', ')}`, { hint: 'a consumer reset its position; check its auto.offset.reset' });
      consumed ||= now.some((o) => (written.get(`${o.group}\u0000${tpKey(o.topic, o.partition)}`) ?? -1n) < o.offset);
      const states = await target.groupStates(expected.filter((g) => !rejoined.has(g)));
      for (const g of states) if (g.members > 0) rejoined.add(g.group);
      if ((produced && consumed && rejoined.size === expected.length) || performance.now() > deadline) break;
      await sleep(500);
    }
    if (bypass.length > 0) throw new CheckFailedError('BYPASS', `the source received records after the drain on ${bypass.join(', ')}: a client bypasses the gateway and those records are not on ${options.to}`);
    const notRejoined = expected.filter((g) => !rejoined.has(g));
    if (notRejoined.length > 0) deps.log(`warning: ${notRejoined.join(', ')} had members on ${options.from} before the cutover and none on ${options.to} after ${Math.round(options.verifyMs / 1000)}s`);
    return { sourceUnchanged: true, producedOnTarget: produced, consumedOnTarget: consumed, notRejoined };
  },
};
