/**
 * The zdp program: global flags, the command tree, and the one place where errors become
 * messages and exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT_CODES, InterruptedError, ZdpError, errorToJson, isZdpError, type Diagnostic } from './errors.js';
import { Io, type Prompter, type Stream } from './cli/io.js';
import { Runtime, type GlobalOptions } from './cli/runtime.js';
import type { CommandContext } from './cli/command.js';
import { OUTPUT_FORMATS, type OutputFormat } from './cli/emit.js';
import { registerCluster } from './commands/cluster/index.js';
import { registerConfig } from './commands/config/index.js';
import { registerCutover } from './commands/cutover/index.js';
import { registerDemo } from './commands/demo/index.js';
import { registerDev } from './commands/dev/index.js';
import { registerExtract } from './commands/extract/index.js';
import { registerGateway } from './commands/gateway/index.js';
import { registerInit } from './commands/init/index.js';
import { registerMigrate } from './commands/migrate/index.js';
import { registerParity } from './commands/parity/index.js';
import { registerProduct } from './commands/product/index.js';
import { registerCompletion } from './commands/completion/index.js';
import { registerVersion } from './commands/version/index.js';

export interface MainDeps {
  stdout: Stream;
  stderr: Stream;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** install SIGINT handling (the real process only) */
  handleSignals: boolean;
  /** answers prompts instead of inquirer (tests drive the interactive paths with it) */
  prompter?: Prompter | undefined;
  /** called as the cutover journals the start of each step (a test kills the process there to prove a resume) */
  onCutoverStep?: ((step: string) => void | Promise<void>) | undefined;
}

function buildProgram(ctx: CommandContext): Command {
  const program = new Command('zdp')
    .description('Kafka vendor migration as a routine platform operation: contracts, data products, gateways, MirrorMaker 2 and an exact cutover.')
    // global flags in every command's help; defaults as a person writes them, and none for empty lists
    .configureHelp({
      showGlobalOptions: true,
      optionDescription: (o) => {
        const d = o.defaultValue as unknown;
        const shown = d === undefined || d === false || (Array.isArray(d) && d.length === 0) || o.negate ? '' : ` (default: ${Array.isArray(d) ? d.join(', ') : String(d)})`;
        const choices = o.argChoices && !o.argChoices.every((c) => o.description.includes(c)) ? ` (one of: ${o.argChoices.join(', ')})` : '';
        return `${o.description}${choices}${shown}`;
      },
    })
    .option('-V', 'print the zdp version (also --version, or zdp version)')
    .option('-c, --config <file>', 'project config file (default: ./zdp.yaml, or $ZDP_CONFIG)')
    .option('--products-dir <dir>', 'data products directory (default: products.dir from zdp.yaml, or $ZDP_PRODUCTS_DIR)')
    .addOption(new Option('--set <key=value>', 'override one config key, e.g. clusters.prod.timeoutMs=5000 (repeatable)').argParser((v: string, prev: string[] = []) => [...prev, v]).default([]))
    .addOption(new Option('--output <format>', 'result format on stdout: table, json or yaml (errors as JSON on stderr for json and yaml)').choices(OUTPUT_FORMATS).default('table'))
    .option('--json', 'short for --output json', false)
    .option('--no-color', 'no colour (also NO_COLOR=1 or TERM=dumb)')
    .option('-q, --quiet', 'print only results and errors', false)
    .option('-v, --verbose', 'print more detail on stderr', false)
    .option('--debug', 'print debug detail, kafkajs logs and error causes', false)
    .option('-y, --yes', 'answer yes to confirmations (needed without a terminal)', false)
    .showSuggestionAfterError(true)
    .showHelpAfterError(false)
    .addHelpText('after', `
Examples:
  zdp demo                        the whole migration on local clusters, with live clients
  zdp dev up                      start local source (Kafka 3.9) and target (Kafka 4.x) clusters
  zdp cluster check source        connect to a cluster profile and describe it
  zdp config show                 the merged configuration and where each value came from
  zdp parity --from a --to b      exact group offsets and data parity between two clusters
  zdp cutover --from a --to b     switch clients through the gateway (--resume, --rollback)

Exit codes: 0 ok, 1 internal, 2 usage, 3 config, 4 connection, 5 auth, 6 not found,
7 check failed, 8 partial, 9 environment, 10 TLS, 130 interrupted.`);
  registerInit(program, ctx);
  registerConfig(program, ctx);
  registerCluster(program, ctx);
  registerDev(program, ctx);
  registerExtract(program, ctx);
  registerProduct(program, ctx);
  registerGateway(program, ctx);
  registerMigrate(program, ctx);
  registerParity(program, ctx);
  registerCutover(program, ctx);
  registerDemo(program, ctx);
  registerVersion(program, ctx);
  registerCompletion(program, ctx);
  return program;
}

/** The format errors are written in before the flags are parsed (a usage error in the flags themselves). */
function earlyFormat(argv: readonly string[]): OutputFormat {
  if (argv.includes('--json')) return 'json';
  const i = argv.findIndex((a) => a === '--output' || a.startsWith('--output='));
  const value = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.slice('--output='.length) : argv[i + 1];
  return value === 'json' || value === 'yaml' ? value : 'table';
}

function renderDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}: ` : '';
  return `  ${where}${d.message}`;
}

export async function main(argv: string[], partial: Partial<MainDeps> = {}): Promise<number> {
  const deps: MainDeps = {
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
    stdinIsTTY: partial.stdinIsTTY ?? process.stdin.isTTY === true,
    env: partial.env ?? process.env,
    cwd: partial.cwd ?? process.cwd(),
    handleSignals: partial.handleSignals ?? partial.stdout === undefined,
    prompter: partial.prompter,
    onCutoverStep: partial.onCutoverStep,
  };
  // `--version` and -V anywhere mean `zdp version`, except where a command has a --version of its own (productize)
  if ((argv.includes('--version') && !argv.includes('productize')) || argv.includes('-V')) {
    argv = ['version', ...argv.filter((a) => a === '--json' || a === '--output' || a.startsWith('--output=') || OUTPUT_FORMATS.includes(a as OutputFormat))];
  }
  let io = new Io({ stdout: deps.stdout, stderr: deps.stderr, stdinIsTTY: deps.stdinIsTTY, env: deps.env, format: earlyFormat(argv) });
  const controller = new AbortController();
  let runtime: Runtime | undefined;
  const ctx: CommandContext = {
    runtime: () => {
      if (!runtime) throw new Error('runtime used before the command started');
      return runtime;
    },
  };
  const program = buildProgram(ctx);
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => deps.stdout.write(s),
    writeErr: (s) => deps.stderr.write(s),
    outputError: () => {},
  });
  const applyToAll = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => deps.stdout.write(s), writeErr: (s) => deps.stderr.write(s), outputError: () => {} });
    cmd.showSuggestionAfterError(true);
    cmd.commands.forEach(applyToAll);
  };
  program.commands.forEach(applyToAll);
  program.hook('preAction', (_this, actionCommand) => {
    const g = actionCommand.optsWithGlobals() as GlobalOptions;
    io = new Io({
      stdout: deps.stdout,
      stderr: deps.stderr,
      stdinIsTTY: deps.stdinIsTTY,
      env: deps.env,
      color: g.color,
      quiet: g.quiet,
      verbose: g.verbose || g.debug,
      format: g.json ? 'json' : g.output,
      yes: g.yes,
    });
    if (deps.prompter) io.setPrompter(deps.prompter);
    runtime = new Runtime(io, deps.env, deps.cwd, { ...g, set: g.set ?? [] }, controller.signal, deps.onCutoverStep ? { onCutoverStep: deps.onCutoverStep } : {});
  });

  let onSigint: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onSigint = () => {
      controller.abort();
      reject(new InterruptedError('interrupted (Ctrl-C)'));
    };
  });
  interrupted.catch(() => {});
  if (deps.handleSignals) process.once('SIGINT', onSigint!);

  try {
    await Promise.race([program.parseAsync(argv, { from: 'user' }), interrupted]);
    return 0;
  } catch (error) {
    return report(error, io, runtime);
  } finally {
    if (deps.handleSignals) process.removeListener('SIGINT', onSigint!);
    if (controller.signal.aborted && runtime) await runtime.runCleanups();
  }
}

/** What to do next, for errors that do not say it themselves. */
const FALLBACK_HINTS: Partial<Record<ZdpError['category'], string>> = {
  usage: 'see `zdp <command> --help` for its flags and examples',
  config: 'check the configuration with `zdp config validate`',
  connection: 'check that the cluster is up and its address in zdp.yaml (`zdp cluster check <name>`)',
  auth: 'check the credentials the profile references (`zdp config show`)',
  notFound: 'check the name; `zdp --help` lists the commands that list what exists',
  environment: 'see the message for what this machine lacks',
  tls: 'check the CA file and the host name the profile uses',
  interrupted: 'run the same command again: zdp resumes where it stopped',
};

function report(error: unknown, io: Io, runtime: Runtime | undefined): number {
  const debug = runtime?.globals.debug ?? false;
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    if (error.code === 'commander.executeSubCommandAsync') return 0;
    const message = error.message.replace(/^error: /, '');
    if (io.json) {
      io.stderr.write(`${JSON.stringify({ kind: 'Error', version: 1, code: 'USAGE', exitCode: EXIT_CODES.usage, message, retriable: false, hint: 'see `zdp <command> --help` for its flags and examples' })}\n`);
      return EXIT_CODES.usage;
    }
    io.stderr.write(`${io.errColor.red('error:')} ${message}\n${io.errColor.dim('hint:')}  see \`zdp --help\` or \`zdp <command> --help\`\n`);
    return EXIT_CODES.usage;
  }
  const zdpError: ZdpError = isZdpError(error)
    ? error
    : new ZdpError('internal', 'INTERNAL', `internal error: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
        hint: 'this is a bug in zdp: please report it with the output of the same command run with --debug',
      });
  const hint = zdpError.hint ?? FALLBACK_HINTS[zdpError.category];
  if (io.json) {
    // exactly one JSON document on stderr, nothing else: a pipeline parses it whole
    io.stderr.write(`${JSON.stringify({ ...errorToJson(zdpError), ...(hint ? { hint } : {}), ...(debug && zdpError.cause instanceof Error ? { cause: zdpError.cause.message } : {}) })}\n`);
    return zdpError.exitCode;
  }
  const lines = [`${io.errColor.red('error:')} ${zdpError.message}`];
  for (const d of zdpError.diagnostics) lines.push(renderDiagnostic(d));
  if (hint) lines.push(`${io.errColor.dim('hint:')}  ${hint}`);
  if (debug) {
    const stack = (zdpError.cause instanceof Error ? zdpError.cause.stack : undefined) ?? zdpError.stack;
    if (stack) lines.push(io.errColor.dim(stack));
    let cause: unknown = zdpError.cause;
    while (cause instanceof Error && cause.cause) {
      cause = cause.cause;
      lines.push(io.errColor.dim(`caused by: ${cause instanceof Error ? cause.message : String(cause)}`));
    }
  }
  io.stderr.write(`${lines.join('\n')}\n`);
  return zdpError.exitCode;
}
