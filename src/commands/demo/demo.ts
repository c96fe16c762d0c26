/** `zdp demo`: the whole migration on local clusters, end to end, with the real subcommands. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseInteger, resolvePath } from '../../cli/flags.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { CheckFailedError } from '../../errors.js';
import { runDemo as runWholeDemo, type DemoReport } from '../../demo/demo.js';

export interface DemoOptions {
  dir: string;
  keep: boolean;
  rate: number;
}

export function parseDemoOptions(flags: { dir: string; keep: boolean; rate: string }, rt: ParseContext): DemoOptions {
  return { dir: resolvePath(rt.cwd, flags.dir, '--dir'), keep: flags.keep, rate: parseInteger(flags.rate, '--rate', { min: 10, max: 20_000 }) };
}

function render(r: DemoReport): string {
  const lines = [
    renderTable(['STEP', 'TOOK', 'RESULT'], r.steps.map((s) => [s.step, `${(s.durationMs / 1000).toFixed(1)}s`, `${s.ok ? '' : 'FAILED: '}${s.summary}`])),
    '',
    `records produced ${r.records.produced}, consumed ${r.records.consumed}, lost ${r.records.lost}, read twice ${r.records.duplicated}, written twice ${r.records.duplicatedInLog}`,
    `pause seen by clients: producers ${(r.pause.producersMs / 1000).toFixed(1)}s, consumers ${(r.pause.consumersMs / 1000).toFixed(1)}s (${r.quiesce === 'filter' ? `producers held by zdp's filter ${(r.pause.gatewayMs / 1000).toFixed(1)}s` : `gateway fenced ${(r.pause.gatewayMs / 1000).toFixed(1)}s`})`,
    '',
    `files written in ${r.dir}:`,
    ...r.files.map((f) => `  ${f}`),
  ];
  lines.push('', r.kept ? `the clusters, their schema registries and the gateway are still running (the client applications stopped with the demo): explore with \`cd ${r.dir} && zdp gateway status\`, \`zdp parity --from source --to target\`; stop with \`zdp gateway down && zdp dev down\`` : 'everything the demo started has been stopped (the files stay)');
  return lines.join('\n');
}

export async function runDemo(options: DemoOptions, rt: Runtime): Promise<View> {
  // Ctrl-C aborts the step under way; the demo then stops everything it started before zdp exits
  const running = runWholeDemo({ dir: options.dir, keep: options.keep, rate: options.rate, log: (l) => rt.io.info(l), signal: rt.signal });
  rt.onInterrupt(async () => {
    rt.io.info('stopping everything the demo started…');
    await running.catch(() => undefined);
  });
  const report = await running;
  const { kind, ...data } = report;
  return { kind, data, text: render(report), ...(report.ok ? {} : { failure: new CheckFailedError('DEMO_FAILED', 'the demo did not finish', { hint: 'the step that failed says why; its files and logs stay in the demo directory' }) }) };
}
