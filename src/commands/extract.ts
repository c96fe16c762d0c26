/** `zdp extract`: sample live topics and write AsyncAPI contracts. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import { renderTable } from '../cli/render/table.js';
import { PartialError, UsageError, ZdpError } from '../errors.js';
import { getCluster } from '../config/load.js';
import { parseSampleFrom } from '../core/sampling.js';
import { DEFAULT_INFERENCE } from '../core/inference/json-infer.js';
import { buildAsyncApiDocument, renderJson, renderYaml } from '../core/contracts/asyncapi.js';
import { DEFAULT_EXTRACT, extractContracts } from '../extract/extract.js';
import { validateAsyncApi } from '../contracts/validate.js';
import { ZDP_VERSION } from '../version.js';

interface ExtractFlags {
  cluster: string;
  topic: string[];
  exclude: string[];
  sample: string;
  from: string;
  out: string;
  format: 'yaml' | 'json';
  examples: boolean;
  enums: boolean;
  timeout: string;
  includeInternal: boolean;
  workers?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} ${value} is not a positive whole number`);
  return n;
}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} ${value} is not a whole number`);
  return n;
}

export function registerExtract(program: Command, ctx: CommandContext): void {
  program
    .command('extract')
    .description('sample live topics, infer key, value and header schemas (or read them from the Schema Registry), and write AsyncAPI 3.0 contracts with Kafka bindings')
    .requiredOption('--cluster <name>', 'cluster profile to read')
    .addOption(new Option('--topic <pattern>', 'topic name or glob (*, ?); repeatable (default: all but internal topics)').argParser(collect).default([]))
    .addOption(new Option('--exclude <pattern>', 'topic name or glob to leave out; repeatable').argParser(collect).default([]))
    .option('--sample <n>', 'records per partition', String(DEFAULT_EXTRACT.samplePerPartition))
    .option('--from <where>', 'earliest, latest, or a time (ISO 8601 or epoch ms)', 'latest')
    .option('-o, --out <dir>', 'directory for the contracts, or - for stdout', 'contracts')
    .addOption(new Option('--format <format>', 'contract file format').choices(['yaml', 'json']).default('yaml'))
    .option('--no-examples', 'leave real record examples out of the contracts')
    .option('--no-enums', 'never turn low-cardinality strings into enums')
    .option('--timeout <seconds>', 'time budget for sampling', String(DEFAULT_EXTRACT.timeoutMs / 1000))
    .option('--include-internal', 'also extract internal topics (__*, _schemas, *.internal)', false)
    .option('--workers <n>', `inference worker threads, 0 for none (default: one per core from 2 cores, at most 4; here ${DEFAULT_EXTRACT.workers})`)
    .addHelpText('after', "\nExamples:\n  zdp extract --cluster source --topic 'orders.*'\n  zdp extract --cluster prod --exclude '*.dlq' --from earliest --sample 1000 --json > report.json")
    .action(async (flags: ExtractFlags) => {
      const rt = ctx.runtime();
      const profile = getCluster(rt.config(), flags.cluster);
      const from = parseSampleFrom(flags.from);
      if (!from) throw new UsageError(`--from ${flags.from}: use earliest, latest, an ISO 8601 time or epoch milliseconds`);
      const options = {
        ...DEFAULT_EXTRACT,
        include: flags.topic,
        exclude: flags.exclude,
        samplePerPartition: positiveInt(flags.sample, '--sample'),
        from,
        timeoutMs: positiveInt(flags.timeout, '--timeout') * 1000,
        inference: { ...DEFAULT_INFERENCE, enums: flags.enums },
        examples: flags.examples,
        includeInternal: flags.includeInternal,
        workers: flags.workers === undefined ? DEFAULT_EXTRACT.workers : nonNegativeInt(flags.workers, '--workers'),
      };
      const spinner = await rt.io.spinner(`connecting to ${profile.name}…`);
      const result = await extractContracts(profile, options, {
        env: rt.env,
        log: (l) => spinner.update(l),
        kafkaLog: rt.kafkaLog,
        signal: rt.signal,
      }).finally(() => spinner.stop());

      const toStdout = flags.out === '-';
      const outDir = toStdout ? undefined : join(rt.cwd, flags.out);
      if (outDir) mkdirSync(outDir, { recursive: true });
      const files: Record<string, string> = {};
      const rendered: string[] = [];
      for (const model of result.models) {
        const doc = buildAsyncApiDocument(model, result.server, { examples: options.examples });
        const text = flags.format === 'json' ? renderJson(doc) : renderYaml(doc);
        const name = `${model.topic}.asyncapi.${flags.format}`;
        const diagnostics = (await validateAsyncApi(renderJson(doc), doc, name)).filter((d) => d.severity === 'error');
        if (diagnostics.length > 0) {
          throw new ZdpError('internal', 'CONTRACT_INVALID', `the contract zdp built for ${model.topic} does not validate`, {
            diagnostics,
            hint: 'this is a bug in zdp: please report it with the topic configuration (no data needed)',
          });
        }
        if (outDir) {
          const file = join(outDir, name);
          const tmp = `${file}.tmp-${process.pid}`;
          writeFileSync(tmp, text);
          renameSync(tmp, file);
          files[model.topic] = relative(rt.cwd, file) || file;
        } else {
          rendered.push(text);
        }
        rt.io.info(`${model.topic}: ${result.reports.find((r) => r.topic === model.topic)!.messagesSampled} records sampled → ${files[model.topic] ?? 'stdout'}`);
      }
      for (const r of result.reports) for (const w of r.warnings) rt.io.warn(`${r.topic}: ${w}`);

      if (toStdout) {
        rt.io.stdout.write(flags.format === 'json' ? `[${rendered.map((t) => t.trimEnd()).join(',\n')}]\n` : rendered.map((t) => `---\n${t}`).join(''));
      } else if (rt.globals.json) {
        rt.io.outJson({
          kind: 'ExtractReport',
          version: 1,
          zdpVersion: ZDP_VERSION,
          cluster: profile.name,
          outDir: relative(rt.cwd, outDir!) || '.',
          messagesSampled: result.messagesSampled,
          durationMs: Math.round(result.durationMs),
          readMs: Math.round(result.readMs),
          topics: result.reports.map((r) => ({ ...r, file: files[r.topic] })),
          problems: result.partial.map((e) => ({ code: e.code, message: e.message })),
        });
      } else {
        rt.io.out(renderTable(
          ['TOPIC', 'PARTITIONS', 'SAMPLED', 'VALUE', 'GROUPS', 'CONTRACT'],
          result.reports.map((r) => [r.topic, String(r.partitions), String(r.messagesSampled), `${r.valueEncoding}${r.mixedEncodings ? ' (mixed)' : ''}`, String(r.groups.length), files[r.topic] ?? '-']),
        ));
      }
      if (result.partial.length > 0) {
        throw new PartialError('EXTRACT_PARTIAL', `contracts written, but ${result.partial.length} problem${result.partial.length === 1 ? '' : 's'} left parts undescribed: ${result.partial.map((e) => e.message).join('; ')}`, {
          hint: result.partial[0]!.hint ?? 'see the warnings above',
        });
      }
      if (!toStdout) rt.io.info(`Next: \`zdp productize --contract ${flags.out}/<topic>.asyncapi.${flags.format} --name <product> --version 1.0.0\``);
    });
}
