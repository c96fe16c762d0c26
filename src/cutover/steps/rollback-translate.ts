/** Every group translated back to a source offset. */
import { CheckFailedError } from '../../errors.js';
import type { GroupOffset } from '../../kafka/groups.js';
import { translateOffsets } from '../../offsets/translation.js';
import { requestsFor } from '../../core/cutover/ahead.js';
import { selectGroups } from '../../core/sampling.js';
import type { CutoverStep, GroupResult } from '../types.js';
import { translationResults } from './shared.js';

export const rollbackTranslate: CutoverStep<'rollback-translate'> = {
  name: 'rollback-translate',
  does: 'Every group translated back to a source offset.',
  summary: (d) => `${(d.offsets as unknown[]).length} group offsets translated back`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target } = deps;
    const topics = ctx.header.topics;
    const forward = ctx.out('translate').offsets ?? [];
    const cut = ctx.out('stop-replication').targetEnds ?? {};
    const frozen = ctx.out('drain').sourceEnds ?? ctx.out('freeze').sourceEnds ?? {};
    const groups = [...new Set([...forward.map((f) => f.group), ...selectGroups(await target.listGroupIds(), options.groupPatterns)])].sort();
    const committed = await target.committedOffsets(groups, topics);
    const direct: GroupResult[] = [];
    const rest: GroupOffset[] = [];
    for (const c of committed) {
      const f = forward.find((x) => x.group === c.group && x.topic === c.topic && x.partition === c.partition && x.targetOffset === c.offset.toString());
      // unchanged since the switch: the source offset the group had then
      if (f) direct.push({ group: c.group, topic: c.topic, partition: c.partition, sourceOffset: c.offset.toString(), targetOffset: f.sourceOffset, kind: 'exact', ...(f.fingerprint ? { fingerprint: f.fingerprint } : {}) });
      else rest.push(c);
    }
    const anchors = new Map(Object.entries(cut).map(([k, v]) => [k, { source: BigInt(v), target: BigInt(frozen[k] ?? '0') }]));
    const requests = requestsFor(rest);
    const translatedBack = requests.length > 0 ? translationResults(rest, await translateOffsets(target, source, requests, { anchors })) : [];
    const bad = translatedBack.filter((r) => r.kind === 'diverged' || r.kind === 'not-replicated');
    if (bad.length > 0) throw new CheckFailedError('TRANSLATION_FAILED', `no exact source offset for ${bad.map((b) => `${b.group} ${b.topic}[${b.partition}]@${b.sourceOffset}`).join(', ')}`);
    return { offsets: [...direct, ...translatedBack].sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition) };
  },
};
