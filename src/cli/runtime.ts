/** What every command gets: the Io, the environment, lazily loaded config, and an abort signal. */
import { loadConfig } from '../config/load.js';
import { resolvePath } from './flags.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Io } from './io.js';

export interface GlobalOptions {
  config?: string;
  productsDir?: string;
  set: string[];
  json: boolean;
  output: 'table' | 'json' | 'yaml';
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  yes: boolean;
}

export class Runtime {
  private loaded: ResolvedConfig | undefined;
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  constructor(
    readonly io: Io,
    readonly env: NodeJS.ProcessEnv,
    readonly cwd: string,
    readonly globals: GlobalOptions,
    readonly signal: AbortSignal,
    /** what a caller of main() injects into commands (see MainDeps) */
    readonly hooks: { onCutoverStep?: (step: string) => void | Promise<void> } = {},
  ) {}

  /** The resolved configuration (loaded once, on first use). */
  config(): ResolvedConfig {
    this.loaded ??= loadConfig({ cwd: this.cwd, env: this.env, configFile: this.globals.config, sets: this.globals.set, productsDir: this.globals.productsDir === undefined ? undefined : resolvePath(this.cwd, this.globals.productsDir, '--products-dir') });
    return this.loaded;
  }

  /** Runs on Ctrl-C before zdp exits with 130. */
  onInterrupt(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  async runCleanups(): Promise<void> {
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // best effort
      }
    }
  }

  /** kafkajs log lines, with --debug only. */
  get kafkaLog(): ((line: string) => void) | undefined {
    return this.globals.debug ? (line: string) => this.io.debug(line) : undefined;
  }
}
