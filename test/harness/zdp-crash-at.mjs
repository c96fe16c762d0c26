#!/usr/bin/env node
/**
 * zdp as bin/zdp.js runs it, with one thing injected through main()'s dependencies: the process
 * kills itself (SIGKILL, no cleanup) as the cutover journals the start of the step named by
 * ZDP_CRASH_AT_STEP. The tests prove with it that a cutover killed at any step resumes; the product
 * reads no such hook from the environment.
 */
const { main } = await import('../../dist/main.js');
const step = process.env.ZDP_CRASH_AT_STEP;
process.exitCode = await main(process.argv.slice(2), {
  onCutoverStep: (s) => {
    if (s === step) process.kill(process.pid, 'SIGKILL');
  },
});
