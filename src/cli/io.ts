/**
 * One Io object per invocation: where results (stdout) and progress (stderr) go, whether each is a
 * terminal, colour, spinners and prompts. Commands write only through it.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { UsageError } from '../errors.js';
import { writeJson } from './json-chunks.js';

/** Result formats on stdout: a human table, or the same document as JSON or YAML. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Stream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** a terminal's width; 0 or missing on pseudo-terminals that report none */
  columns?: number;
}

export interface IoOptions {
  stdout: Stream;
  stderr: Stream;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  color?: boolean | undefined;
  quiet?: boolean;
  verbose?: boolean;
  /** result format: table (human), json or yaml */
  format?: OutputFormat;
  yes?: boolean;
}

export interface Spinner {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

export interface Prompter {
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  input(message: string, defaultValue?: string): Promise<string>;
  select<T extends string>(message: string, choices: readonly T[], defaultValue?: T): Promise<T>;
  /** several of the choices (all checked at first) */
  multiselect(message: string, choices: readonly string[]): Promise<string[]>;
}

export class Io {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly format: OutputFormat;
  /** a machine-readable format (json or yaml): no spinners, errors also as JSON on stderr */
  readonly json: boolean;
  readonly yes: boolean;
  /** colour for stderr */
  readonly errColor: ChalkInstance;
  /** colour for stdout */
  readonly outColor: ChalkInstance;
  /** spinners and live lines may redraw stderr */
  readonly animate: boolean;
  private prompter: Prompter | undefined;

  constructor(options: IoOptions) {
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.stdoutIsTTY = options.stdout.isTTY === true;
    this.stderrIsTTY = options.stderr.isTTY === true;
    this.stdinIsTTY = options.stdinIsTTY;
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
    this.format = options.format ?? 'table';
    this.json = this.format !== 'table';
    this.yes = options.yes ?? false;
    const colorAllowed =
      // NO_COLOR set to anything but an empty string turns colour off (no-color.org)
      options.color !== false && !options.env.NO_COLOR && options.env.TERM !== 'dumb';
    this.errColor = new Chalk({ level: colorAllowed && this.stderrIsTTY ? 1 : 0 });
    // CI set at all (even empty) is CI, as CI runners and ora read it; CI=false or 0 says it is not
    const ci = options.env.CI !== undefined && options.env.CI !== 'false' && options.env.CI !== '0';
    // animation only for a person at a real terminal: a usable width (ora divides by it), colour allowed, not CI
    this.animate = this.stderrIsTTY && colorAllowed && !ci && (options.stderr.columns ?? 0) > 0;
    this.outColor = new Chalk({ level: colorAllowed && this.stdoutIsTTY ? 1 : 0 });
  }

  /** Results: stdout. */
  out(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * A result document as JSON on stdout (stable key order is the caller's business), written in
   * pieces of about 1 MB so that a large one is never a single string in memory.
   */
  outJson(value: unknown): void {
    writeJson((chunk) => this.stdout.write(chunk), value, jsonReplacer);
  }

  /** Warnings said while a machine-readable result is being made: they go into the document, not stderr. */
  readonly heldWarnings: string[] = [];

  /**
   * Progress and information: stderr, silenced by --quiet. With --output json or yaml, stderr holds
   * nothing but a failure's one JSON document, so progress is not written (--verbose still shows it).
   */
  info(text: string): void {
    if (this.quiet || (this.json && !this.verbose)) return;
    this.stderr.write(`${text}\n`);
  }

  /** Detail only shown with --verbose. */
  debug(text: string): void {
    if (this.verbose) this.stderr.write(`${this.errColor.dim(text)}\n`);
  }

  warn(text: string): void {
    if (this.json) {
      this.heldWarnings.push(text);
      if (!this.verbose) return;
    }
    this.stderr.write(`${this.errColor.yellow('warning:')} ${text}\n`);
  }

  /** True when a person is at the terminal and prompts may be shown. */
  get interactive(): boolean {
    return this.stdinIsTTY && this.stdoutIsTTY;
  }

  /**
   * A spinner on a TTY; on anything else one plain line per step, so CI logs stay readable.
   */
  async spinner(text: string): Promise<Spinner> {
    if (this.quiet) return { update() {}, succeed() {}, fail() {}, stop() {} };
    if (!this.animate || this.json) {
      this.info(text);
      return {
        update: () => {},
        succeed: (t: string) => this.info(t),
        fail: (t: string) => this.info(t),
        stop: () => {},
      };
    }
    const { default: ora } = await import('ora');
    // four frames a second at most: a live line, not a flood
    const s = ora({ text, stream: this.stderr as NodeJS.WritableStream, color: 'cyan', interval: 250 }).start();
    return {
      update: (t: string) => {
        s.text = t;
      },
      succeed: (t: string) => {
        s.succeed(t);
      },
      fail: (t: string) => {
        s.fail(t);
      },
      stop: () => {
        s.stop();
      },
    };
  }

  /** For tests: a different prompter (the real one is inquirer). */
  setPrompter(prompter: Prompter): void {
    this.prompter = prompter;
  }

  /**
   * Asks a yes/no question. `--yes` answers it; without a TTY the command stops with a usage error
   * that names the flag to pass.
   */
  async confirm(message: string, flag = '--yes'): Promise<boolean> {
    if (this.yes) return true;
    if (!this.interactive) {
      throw new UsageError(`${message.replace(/\?$/, '')}: confirmation needed but no terminal to ask on`, {
        code: 'PROMPT_NO_TTY',
        hint: `pass ${flag} to go ahead without a prompt`,
      });
    }
    return (await this.getPrompter()).confirm(message, false);
  }

  /** The prompter for interactive commands (callers check `interactive` first). */
  async prompts(): Promise<Prompter> {
    return this.getPrompter();
  }

  private async getPrompter(): Promise<Prompter> {
    if (this.prompter) return this.prompter;
    const { default: inquirer } = await import('inquirer');
    this.prompter = {
      async confirm(message, defaultValue) {
        const a = await inquirer.prompt([{ type: 'confirm', name: 'v', message, default: defaultValue }]);
        return Boolean(a.v);
      },
      async input(message, defaultValue) {
        const a = await inquirer.prompt([{ type: 'input', name: 'v', message, default: defaultValue }]);
        return String(a.v ?? '');
      },
      async select(message, choices, defaultValue) {
        const a = await inquirer.prompt([
          { type: 'list', name: 'v', message, choices: [...choices], default: defaultValue },
        ]);
        return a.v as (typeof choices)[number];
      },
      async multiselect(message, choices) {
        const a = await inquirer.prompt([{ type: 'checkbox', name: 'v', message, choices: choices.map((c) => ({ name: c, value: c, checked: true })) }]);
        return a.v as string[];
      },
    };
    return this.prompter;
  }
}

/** bigint offsets are written as decimal strings, as kafkajs does. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
