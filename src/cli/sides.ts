/** Connecting to a migration's two clusters at once, for commands that compare or move between them. */
import type { Runtime } from './runtime.js';
import type { ParseContext } from './command.js';
import { NotFoundError, UsageError } from '../errors.js';
import { getCluster } from '../config/load.js';
import type { ClusterProfile } from '../config/types.js';
import { selectTopics } from '../core/sampling.js';
import { KafkaCluster } from '../kafka/cluster.js';
import type { Side } from '../offsets/translation.js';

/** --from and --to: two different known profiles (their names also name the migration's state directory). */
export interface Pair {
  source: ClusterProfile;
  target: ClusterProfile;
}

export function parsePair(from: string, to: string, rt: ParseContext): Pair {
  const config = rt.config();
  const source = getCluster(config, from);
  const target = getCluster(config, to);
  if (source.name === target.name) throw new UsageError('--from and --to name the same cluster', { code: 'SAME_CLUSTER', hint: 'name the source with --from and the target with --to' });
  return { source, target };
}

export async function withSides<T>(rt: Runtime, pair: Pair, fn: (source: Side, target: Side) => Promise<T>): Promise<T> {
  const { source: sp, target: tp } = pair;
  const options = { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-parity' };
  return KafkaCluster.with(sp, options, (s) => KafkaCluster.with(tp, options, (t) => fn(s, t)));
}

export async function selectSourceTopics(source: Side, include: string[], exclude: string[]): Promise<string[]> {
  const all = await source.listTopics();
  const { selected, unmatched } = selectTopics(all, include, exclude);
  if (unmatched.length > 0) throw new NotFoundError('TOPIC_NOT_FOUND', `no topic on cluster "${source.profile.name}" matches ${unmatched.join(', ')}`);
  return selected.filter((t) => !t.startsWith('mm2-') && !t.endsWith('.checkpoints.internal') && t !== 'heartbeats');
}
