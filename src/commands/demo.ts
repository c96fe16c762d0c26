/** `zdp demo`: the whole migration on local clusters, end to end, with the real subcommands. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import { renderTable } from '../cli/render/table.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { runDemo, type DemoReport } from '../demo/demo.js';
import { ZDP_VERSION } from '../version.js';

function render(r: DemoReport): string {
  const lines = [
    renderTable(['STEP', 'TOOK', 'RESULT'], r.steps.map((s) => [s.step, `${(s.durationMs / 1000).toFixed(1)}s`, `${s.ok ? '' : 'FAILED: '}${s.summary}`])),
    '',
    `records produced ${r.records.produced}, consumed ${r.records.consumed}, lost ${r.records.lost}, duplicated ${r.records.duplicated}`,
    `pause seen by clients: producers ${(r.pause.producersMs / 1000).toFixed(1)}s, consumers ${(r.pause.consumersMs / 1000).toFixed(1)}s (gateway fenced ${(r.pause.gatewayMs / 1000).toFixed(1)}s)`,
    '',
    `files written in ${r.dir}:`,
    ...r.files.map((f) => `  ${f}`),
  ];
  lines.push('', r.kept ? `everything is still running: explore with \`cd ${r.dir} && zdp gateway status\`, \`zdp parity --from source --to target\`; stop with \`zdp gateway down && zdp dev down\`` : 'everything the demo started has been stopped (the files stay)');
  return lines.join('\n');
}

export function registerDemo(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description('run the whole migration on local clusters: Kafka 3.9 -> 4.x with live clients through the gateway (extract, productize, gateway, migrate, parity, cutover, verify)')
    .option('--dir <dir>', 'working directory for the demo project', 'zdp-demo')
    .option('--keep', 'leave the clusters, gateway and clients running to explore', false)
    .option('--rate <records/s>', 'client load during the migration', '300')
    .action(async (flags: { dir: string; keep: boolean; rate: string }) => {
      const rt = ctx.runtime();
      const rate = Number(flags.rate);
      if (!Number.isFinite(rate) || rate < 10 || rate > 20_000) throw new UsageError(`--rate ${flags.rate}: expected 10 to 20000 records per second`);
      // Ctrl-C aborts the step under way; the demo then stops everything it started before zdp exits
      const running = runDemo({ dir: resolve(rt.cwd, flags.dir), keep: flags.keep, rate, log: (l) => rt.io.info(l), signal: rt.signal });
      rt.onInterrupt(async () => {
        rt.io.info('stopping everything the demo started…');
        await running.catch(() => undefined);
      });
      const report = await running;
      if (rt.globals.json) rt.io.outJson({ ...report, version: 1, zdpVersion: ZDP_VERSION });
      else rt.io.out(render(report));
      if (!report.ok) throw new CheckFailedError('DEMO_FAILED', 'the demo did not finish');
    });
}
