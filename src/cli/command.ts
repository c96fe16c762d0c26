/**
 * What the command files share with the program: the context a verb's action reads its runtime from,
 * and the one way an action runs (parse, run, emit). Command files import this module, never main.ts.
 */
import type { ResolvedConfig } from '../config/types.js';
import { emit, type View } from './emit.js';
import type { Runtime } from './runtime.js';

/** Shared by commands: the runtime of this invocation, set before any action runs. */
export interface CommandContext {
  runtime(): Runtime;
}

/** What a parse function may read: the working directory, the environment and the configuration (no network). */
export interface ParseContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  config(): ResolvedConfig;
}

/**
 * The body of every action: options from `parse` (pure validation, before any connection), a view
 * from `run`, rendered by `emit`.
 */
export async function execute<O>(ctx: CommandContext, parse: (rt: ParseContext) => O, run: (options: O, rt: Runtime) => Promise<View> | View): Promise<void> {
  const rt = ctx.runtime();
  const options = parse(rt);
  emit(rt.io, await run(options, rt));
}

/**
 * `execute` for a verb whose module is imported only when its command runs, so `zdp --help` and
 * the other commands never load it (nor what it imports: kafkajs, the AsyncAPI parser, inquirer).
 */
export async function executeLazy<M, O>(ctx: CommandContext, load: () => Promise<M>, parse: (m: M, rt: ParseContext) => O, run: (m: M) => (options: O, rt: Runtime) => Promise<View> | View): Promise<void> {
  const m = await load();
  return execute(ctx, (rt) => parse(m, rt), run(m));
}

