/**
 * The shared flag parsers: every command validates its flags and names here, before any connection.
 * Each throws a UsageError (exit 2) that names the flag, the value and what it takes.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { controlCharacter, nameProblem, printable, type NameKind } from '../core/names.js';

/** Repeatable flags: commander's argParser for `--x a --x b`. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function bad(flag: string, value: string, expected: string, code = 'BAD_FLAG'): UsageError {
  return new UsageError(`${flag} ${JSON.stringify(printable(value))}: expected ${expected}`, { code, hint: `see \`zdp <command> --help\` for ${flag}` });
}

/** A whole number within [min, max]. */
export function parseInteger(value: string, flag: string, range: { min: number; max: number }): number {
  const text = value.trim();
  const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) throw bad(flag, value, `a whole number from ${range.min} to ${range.max}`);
  return n;
}

/** A count of records as a bigint within [0, max]. */
export function parseRecordCount(value: string, flag: string, max = 10n ** 15n): bigint {
  const text = value.trim();
  if (!/^\d{1,16}$/.test(text) || BigInt(text) > max) throw bad(flag, value, `a whole number of records from 0 to ${max}`);
  return BigInt(text);
}

/** Seconds (fractions allowed) within [min, max], returned in milliseconds. */
export function parseSeconds(value: string, flag: string, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? 86_400;
  const text = value.trim();
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw bad(flag, value, `seconds from ${min} to ${max}`);
  return Math.round(n * 1000);
}

/** A TCP port, 1 to 65535. */
export function parsePort(value: string, flag: string): number {
  return parseInteger(value, flag, { min: 1, max: 65535 });
}

/** host:port with a port of 1 to 65535. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const m = /^([A-Za-z0-9._-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw bad(flag, value, 'host:port with a port from 1 to 65535');
  return { host: m[1]!, port: Number(m[2]) };
}

/** A name that becomes a path: one rule for every kind (see core/names.ts). */
export function parseName(value: string, flag: string, kind: NameKind): string {
  const problem = nameProblem(kind, value);
  if (problem) throw new UsageError(`${flag}: ${problem}`, { code: 'BAD_NAME', hint: 'names become file names under zdp\'s state directory: lower-case letters, digits, - and _' });
  return value;
}

/** Topic and group filters: globs of `*` and `?`, no control characters, at most 249 characters (Kafka's topic limit). */
export function parseGlobs(values: readonly string[], flag: string): string[] {
  for (const v of values) {
    const c = controlCharacter(v);
    if (c) throw new UsageError(`${flag} ${JSON.stringify(printable(v))} holds the control character ${c}`, { code: 'BAD_PATTERN', hint: 'topic and group names never contain control characters' });
    if (v.length === 0) throw bad(flag, v, 'a name or a glob (*, ?)', 'BAD_PATTERN');
    if (v.length > 249) throw bad(flag, v, 'a name or glob of at most 249 characters', 'BAD_PATTERN');
  }
  return [...values];
}

/** A value written into a generated file (properties, YAML, JAAS): no control characters. */
export function parsePlainText(value: string, flag: string, maxLength = 1000): string {
  const c = controlCharacter(value);
  if (c) throw new UsageError(`${flag} holds the control character ${c}`, { code: 'BAD_FLAG', hint: 'values written into config files cannot contain line breaks or other control characters' });
  if (value.length > maxLength) throw bad(flag, value, `at most ${maxLength} characters`);
  return value;
}

/** A path flag, resolved as any Unix tool does: absolute as given, relative to the working directory. */
export function resolvePath(cwd: string, value: string, flag: string): string {
  if (value.length === 0) throw bad(flag, value, 'a path');
  if (value.includes('\0')) throw new UsageError(`${flag}: the path holds a NUL byte`, { code: 'BAD_PATH' });
  return resolve(cwd, value);
}

/** Node ids like 0-5,10: at most `max` ids in all (a proxy opens a port per id). */
export function parseNodeIds(value: string, flag = '--node-ids', max = 1024): number[] {
  const out = new Set<number>();
  for (const part of value.split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part.trim());
    if (!m) throw bad(flag, value, 'node ids or ranges like 0-5,10');
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    if (hi - lo + 1 + out.size > max) throw bad(flag, value, `at most ${max} node ids in all (a proxy opens a port per id)`);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw bad(flag, value, `one of ${choices.join(', ')}`);
  return value as T;
}

/** The flags every two-cluster command shares: --from and --to, as commander options. */
export function pairFlags(command: Command): Command {
  return command.requiredOption('--from <cluster>', 'source cluster profile').requiredOption('--to <cluster>', 'target cluster profile');
}

/** Repeatable name-or-glob filters (--topic, --exclude, --group), as commander options. */
export function globFlag(command: Command, flag: '--topic' | '--exclude' | '--group', description: string): Command {
  return command.addOption(new Option(`${flag} <pattern>`, description).argParser(collect).default([]));
}

/** --topic and --exclude as every topic-selecting command has them. */
export function topicFlags(command: Command, topicDescription = 'topic name or glob; repeatable (default: all but internal)'): Command {
  return globFlag(globFlag(command, '--topic', topicDescription), '--exclude', 'topic name or glob to leave out; repeatable');
}
