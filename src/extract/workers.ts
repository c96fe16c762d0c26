/** How many inference worker threads extract runs by default: light, so `zdp extract --help` can say it. */
import { availableParallelism } from 'node:os';

export function defaultWorkers(cores = availableParallelism()): number {
  return cores >= 2 ? Math.min(4, cores) : 0;
}
