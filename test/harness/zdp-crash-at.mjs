#!/usr/bin/env node
/**
 * zdp as bin/zdp.js runs it, with one thing injected through main()'s dependencies: the process
 * kills itself (SIGKILL, no cleanup) as the cutover journals the start of the step named by
 * ZDP_CRASH_AT_STEP. With ZDP_CRASH_WHEN_BOUND_TO=<cluster>, it waits first (the step waits with
 * it) until every gateway instance of the project in the working directory fronts that cluster
 * with no standby left: the bind the cutover began beside its steps has finished. The tests prove
 * with it that a cutover killed at any step resumes; the product reads no such hook from the environment.
 */
import { join } from 'node:path';

const { main } = await import('../../dist/main.js');
const { instanceStateDirs, readGateway } = await import('../../dist/processes/kroxylicious.js');
const step = process.env.ZDP_CRASH_AT_STEP;
const boundTo = process.env.ZDP_CRASH_WHEN_BOUND_TO;

async function bound(cluster) {
  const until = Date.now() + 60_000;
  const done = () => instanceStateDirs(join(process.cwd(), '.zdp')).every((d) => {
    const r = readGateway(d);
    return r?.cluster === cluster && r.pid !== undefined && r.standby === undefined;
  });
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

process.exitCode = await main(process.argv.slice(2), {
  onCutoverStep: async (s) => {
    if (s !== step) return;
    if (boundTo) await bound(boundTo);
    process.kill(process.pid, 'SIGKILL');
  },
});
