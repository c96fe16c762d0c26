/**
 * Starts the real clusters the integration suite shares, once per run, with the same code as
 * `zdp dev up`: Apache Kafka 3.9 ("source") and the newest 4.x ("target"), each with a schema
 * registry, a 4.x cluster with a SASL/SCRAM listener over TLS ("secure") and a 3.9 one with
 * SASL/SCRAM in plain text ("secure-legacy"); both authenticated clusters run an authorizer. Broker logs stay under test/.runs/<run>/ after the run.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { listRecords, prepareDists, startDevCluster, stopDevCluster, clusterDir, type DevClusterSpec } from '../../src/processes/dev-clusters.js';

export const HARNESS_CLUSTERS: DevClusterSpec[] = [
  { name: 'source', versionSpec: '3.9', auth: 'none', tls: false, registry: true },
  { name: 'target', versionSpec: '4', auth: 'none', tls: false, registry: true },
  { name: 'secure', versionSpec: '4', auth: 'scram', tls: true },
  // a second authenticated cluster of the other release line: MirrorMaker 2 and ACL copy between secured clusters
  { name: 'secure-legacy', versionSpec: '3.9', auth: 'scram', tls: false },
];

const runsDir = resolve(import.meta.dirname, '..', '.runs');

function pruneOldRuns(keep: number): void {
  if (!existsSync(runsDir)) return;
  const runs = readdirSync(runsDir).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) rmSync(join(runsDir, old), { recursive: true, force: true });
}

interface SharedRun { runDir: string; stateDir: string; users: number }
// the integration and cutover projects each name this file; both share one set of clusters in the
// main vitest process, and the last project to finish stops them
const SHARED = Symbol.for('zdp.harness.clusters');
type Holder = { [SHARED]?: Promise<SharedRun> };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = globalThis as Holder;
  holder[SHARED] ??= startClusters();
  const run = await holder[SHARED];
  run.users += 1;
  project.provide('zdpProjectDir', run.runDir);
  project.provide('zdpStateDir', run.stateDir);
  return async () => {
    run.users -= 1;
    if (run.users > 0) return;
    for (const spec of HARNESS_CLUSTERS) await stopDevCluster(run.stateDir, spec.name);
    // data is large and of no use after the run; logs are kept for failures
    for (const spec of HARNESS_CLUSTERS) rmSync(join(clusterDir(run.stateDir, spec.name), 'data'), { recursive: true, force: true });
  };
}

async function startClusters(): Promise<SharedRun> {
  pruneOldRuns(2);
  const runDir = join(runsDir, new Date().toISOString().replace(/[:.]/g, '-'));
  const stateDir = join(runDir, '.zdp');
  mkdirSync(stateDir, { recursive: true });
  const log = (line: string) => process.stderr.write(`[harness] ${line}\n`);
  const ctx = { stateDir, env: process.env, log, startTimeoutMs: 180_000 };
  const started = performance.now();
  const prepared = await prepareDists(HARNESS_CLUSTERS, ctx);
  const results = await Promise.allSettled(HARNESS_CLUSTERS.map((spec) => startDevCluster(spec, ctx, prepared)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const spec of HARNESS_CLUSTERS) await stopDevCluster(stateDir, spec.name);
    throw failed.reason;
  }
  log(`clusters up in ${((performance.now() - started) / 1000).toFixed(1)}s: ${listRecords(stateDir).map((r) => `${r.name}=Kafka ${r.kafkaVersion}@127.0.0.1:${r.ports.client}`).join(', ')}`);
  log(`schema registry (Apicurio): ${listRecords(stateDir).filter((r) => r.registry).map((r) => `${r.name}@127.0.0.1:${r.registry!.port}`).join(', ')}`);
  log(`broker logs: ${runDir}/.zdp/dev/<name>/logs/server.log`);
  return { runDir, stateDir, users: 0 };
}

declare module 'vitest' {
  export interface ProvidedContext {
    zdpProjectDir: string;
    zdpStateDir: string;
  }
}
