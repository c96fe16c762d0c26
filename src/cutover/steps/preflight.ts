/** Read-only: the gateway routes to the source and serves; target topics exist; in-scope groups are empty on the target; replication lag under --max-lag; parity complete and clean. */
import { CheckFailedError } from '../../errors.js';
import { replicationProgress } from '../../migration/progress.js';
import { runParity } from '../../offsets/parity.js';
import type { CutoverStep } from '../types.js';
import { scopeGroups, waitGroupsEmpty } from './shared.js';

export const preflight: CutoverStep<'preflight'> = {
  name: 'preflight',
  does: 'Read-only: the gateway routes to the source and serves; target topics exist; in-scope groups are empty on the target; replication lag under --max-lag; parity complete and clean.',
  summary: (d) => `gateway on ${String(d.gatewayCluster)}, ${String(d.groups)} groups, lag ${String(d.lag)}, parity ok`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target, gateway } = deps;
    const topics = ctx.header.topics;
    const gw = await gateway.state();
    if (gw.cluster !== options.from) throw new CheckFailedError('GATEWAY_ELSEWHERE', `the gateway routes to ${gw.cluster}, not to the source ${options.from}`, { hint: 'a cutover starts with clients on the source' });
    if (!gw.serving) {
      throw new CheckFailedError('GATEWAY_DOWN', gw.problem ?? `the gateway (${gateway.kind}) is not running`, {
        hint: gw.problem ? 'every instance must answer before the cutover quiesces them as one; `zdp gateway status` lists them; nothing changed' : 'start it with `zdp gateway up`; clients must use it during the cutover',
      });
    }
    const targetTopics = new Set(await target.listTopics());
    const missing = topics.filter((t) => !targetTopics.has(t));
    if (missing.length > 0) throw new CheckFailedError('TARGET_TOPIC_MISSING', `topic${missing.length === 1 ? '' : 's'} ${missing.join(', ')} missing on ${options.to}`, { hint: `create ${missing.length === 1 ? 'it' : 'them'} with \`zdp migrate --from ${options.from} --to ${options.to}\` and replicate with \`zdp migrate start\`` });
    const committed = await scopeGroups(source, topics, options.groupPatterns);
    const groups = [...new Set(committed.map((c) => c.group))].sort();
    await waitGroupsEmpty(target, groups, options.groupWaitMs, deps.log);
    const rows = await replicationProgress(source, target, topics, deps.engine);
    const lag = rows.reduce((n, r) => n + r.lag, 0n);
    const running = (await deps.engine?.running()) ?? false;
    if (lag > 0n && !running) throw new CheckFailedError('MM2_NOT_RUNNING', `MirrorMaker 2 is not running and the target is ${lag} records behind`, { hint: `start it with \`zdp migrate start --from ${options.from} --to ${options.to}\`` });
    if (lag > options.maxLag) throw new CheckFailedError('LAG_ABOVE_THRESHOLD', `replication lag is ${lag} records, above --max-lag ${options.maxLag}: the fence would last until it is copied`, { hint: `wait with \`zdp migrate status --from ${options.from} --to ${options.to} --wait --max-lag ${options.maxLag}\`` });
    const parity = await runParity(source, target, { topics, groupPatterns: options.groupPatterns, tail: 8 });
    if (parity.summary.errors > 0) {
      // a cutover decided on part of the picture could move a group zdp never read
      const unread = [...parity.partitions.filter((p) => p.status === 'error').map((p) => `${p.topic}[${p.partition}] ${p.reason ?? ''}`), ...parity.groupErrors.map((g) => `group ${g.group}: ${g.reason}`)];
      throw new CheckFailedError('PARITY_PARTIAL', `parity could not read everything before the cutover: ${unread.slice(0, 5).join('; ')}${unread.length > 5 ? `; and ${unread.length - 5} more` : ''}`, { hint: 'give the profiles read access to those topics and groups (or leave them out with --topic/--group), then run again; nothing was changed' });
    }
    if (parity.summary.mismatch > 0) {
      const bad = parity.partitions.filter((p) => p.status === 'mismatch' || p.status === 'missing');
      throw new CheckFailedError('PARITY_MISMATCH', `parity check failed before the cutover: ${bad.map((p) => `${p.topic}[${p.partition}] ${p.reason ?? p.status}`).join('; ') || `${parity.summary.mismatch} group offsets diverge`}`, { hint: 'run `zdp parity` for details; nothing was changed' });
    }
    // the applications running now: after the switch, verify watches for each of them on the target
    const activeGroups = (await source.groupStates(groups)).filter((g) => g.members > 0).map((g) => g.group);
    return { gatewayCluster: gw.cluster, groups: groups.length, groupIds: groups, activeGroups, lag: lag.toString(), mm2Running: running };
  },
};
