/** `zdp extract`: sample live topics and write AsyncAPI contracts. */
import { join, relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseChoice, parseGlobs, parseInteger, parseSeconds, resolvePath } from '../../cli/flags.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { assertCanBeDir, writeAtomic } from '../../atomic-file.js';
import { PartialError, UsageError, ZdpError } from '../../errors.js';
import { namedOrDefaultCluster } from '../../config/load.js';
import type { ClusterProfile } from '../../config/types.js';
import { parseSampleFrom } from '../../core/sampling.js';
import { DEFAULT_INFERENCE } from '../../core/inference/json-infer.js';
import { buildAsyncApiDocument, EXAMPLE_MODES, renderJson, renderYaml, type ExampleMode } from '../../core/contracts/asyncapi.js';
import { DEFAULT_EXTRACT, extractContracts, type ExtractOptions as EngineOptions } from '../../extract/extract.js';
import { preloadValidator, validateAsyncApi } from '../../contracts/validate.js';

export interface ExtractFlags {
  cluster?: string;
  topic: string[];
  exclude: string[];
  sample: string;
  offset?: string;
  /** deprecated: the old name of --offset */
  from?: string;
  out: string;
  format: string;
  examples?: string | boolean;
  enums: boolean;
  timeout: string;
  includeInternal: boolean;
  workers?: string;
}

export interface ExtractOptions {
  profile: ClusterProfile;
  engine: EngineOptions;
  /** undefined: contracts go to stdout */
  outDir: string | undefined;
  /** the --out value as given, for the next-step hint */
  outFlag: string;
  format: 'yaml' | 'json';
  examples: ExampleMode;
  /** notes for flags in a form that goes away */
  deprecations: string[];
}

export function parseExtractOptions(flags: ExtractFlags, rt: ParseContext): ExtractOptions {
  if (flags.offset !== undefined && flags.from !== undefined) throw new UsageError('--offset and --from are the same flag (--from is its old name): give one', { code: 'BAD_FLAG' });
  const positionFlag = flags.from !== undefined ? '--from' : '--offset';
  const position = flags.offset ?? flags.from ?? 'latest';
  const from = parseSampleFrom(position);
  if (!from) throw new UsageError(`${positionFlag} ${JSON.stringify(position)}: use earliest, latest, an ISO 8601 time or epoch milliseconds`, { code: 'BAD_FLAG' });
  const engine: EngineOptions = {
    ...DEFAULT_EXTRACT,
    include: parseGlobs(flags.topic, '--topic'),
    exclude: parseGlobs(flags.exclude, '--exclude'),
    samplePerPartition: parseInteger(flags.sample, '--sample', { min: 1, max: 1_000_000 }),
    from,
    timeoutMs: parseSeconds(flags.timeout, '--timeout', { min: 1, max: 3600 }),
    inference: { ...DEFAULT_INFERENCE, enums: flags.enums },
    includeInternal: flags.includeInternal,
    workers: flags.workers === undefined ? DEFAULT_EXTRACT.workers : parseInteger(flags.workers, '--workers', { min: 0, max: 64 }),
  };
  // --no-examples is the old spelling of --examples none
  const examples: ExampleMode = flags.examples === false ? 'none' : flags.examples === undefined || flags.examples === true ? 'generated' : parseChoice(flags.examples, '--examples', EXAMPLE_MODES);
  const format = parseChoice(flags.format, '--format', ['yaml', 'json'] as const);
  const outDir = flags.out === '-' ? undefined : resolvePath(rt.cwd, flags.out, '--out');
  return { profile: namedOrDefaultCluster(rt.config(), flags.cluster, '--cluster <name>'), engine, outDir, outFlag: flags.out, format, examples, deprecations: flags.from !== undefined ? ['extract --from is now --offset (--from names a cluster in every other command); --from goes in the next release'] : [] };
}

export async function runExtract(options: ExtractOptions, rt: Runtime): Promise<View> {
  // the contracts are validated at the end: load the AsyncAPI parser while the cluster is read
  preloadValidator();
  const { profile, engine, outDir, format } = options;
  // a path that cannot be a directory fails before anything is read from the cluster
  if (outDir) assertCanBeDir(outDir, 'output directory');
  const spinner = await rt.io.spinner(`connecting to ${profile.name}…`);
  const result = await extractContracts(profile, engine, {
    env: rt.env,
    log: (l) => spinner.update(l),
    kafkaLog: rt.kafkaLog,
    signal: rt.signal,
  }).finally(() => spinner.stop());

  const files: Record<string, string> = {};
  const rendered: string[] = [];
  for (const model of result.models) {
    const doc = buildAsyncApiDocument(model, result.server, { examples: options.examples });
    const text = format === 'json' ? renderJson(doc) : renderYaml(doc);
    const name = `${model.topic}.asyncapi.${format}`;
    const diagnostics = (await validateAsyncApi(renderJson(doc), doc, name)).filter((d) => d.severity === 'error');
    if (diagnostics.length > 0) {
      throw new ZdpError('internal', 'CONTRACT_INVALID', `the contract zdp built for ${model.topic} does not validate`, {
        diagnostics,
        hint: 'this is a bug in zdp: please report it with the topic configuration (no data needed)',
      });
    }
    if (outDir) {
      const file = join(outDir, name);
      writeAtomic(file, text);
      files[model.topic] = relative(rt.cwd, file) || file;
    } else {
      rendered.push(text);
    }
    rt.io.info(`${model.topic}: ${result.reports.find((r) => r.topic === model.topic)!.messagesSampled} records sampled → ${files[model.topic] ?? 'stdout'}`);
  }
  const warnings = [...options.deprecations, ...result.reports.flatMap((r) => r.warnings.map((w) => `${r.topic}: ${w}`))];
  const failure = result.partial.length > 0
    ? new PartialError('EXTRACT_PARTIAL', `contracts written, but ${result.partial.length} problem${result.partial.length === 1 ? '' : 's'} left parts undescribed: ${result.partial.map((e) => e.message).join('; ')}`, { hint: result.partial[0]!.hint ?? 'see the warnings above' })
    : undefined;
  const view: View = {
    kind: 'ExtractReport',
    data: {
      cluster: profile.name,
      outDir: outDir ? relative(rt.cwd, outDir) || '.' : '-',
      messagesSampled: result.messagesSampled,
      durationMs: Math.round(result.durationMs),
      readMs: Math.round(result.readMs),
      topics: result.reports.map((r) => ({ ...r, file: files[r.topic] })),
      problems: result.partial.map((e) => ({ code: e.code, message: e.message })),
    },
    text: renderTable(
      ['TOPIC', 'PARTITIONS', 'SAMPLED', 'VALUE', 'GROUPS', 'CONTRACT'],
      result.reports.map((r) => [r.topic, String(r.partitions), String(r.messagesSampled), `${r.valueEncoding}${r.mixedEncodings ? ' (mixed)' : ''}`, String(r.groups.length), files[r.topic] ?? '-']),
    ),
    warnings,
    ...(failure ? { failure } : {}),
  };
  if (!outDir) return { ...view, document: format === 'json' ? `[${rendered.map((t) => t.trimEnd()).join(',\n')}]\n` : rendered.map((t) => `---\n${t}`).join('') };
  if (!failure) view.notes = [`Next: \`zdp productize --contract ${options.outFlag}/<topic>.asyncapi.${format} --name <product> --version 1.0.0\``];
  return view;
}
