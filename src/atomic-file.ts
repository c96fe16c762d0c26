/**
 * Files zdp reads from users and writes for them, in one place: a state file written whole or not
 * at all (temporary file, fsync, rename, fsync of the directory), a user's file read with clear
 * errors (missing, a directory, unreadable, too large), YAML parsed with aliases bounded, and state
 * files (JSON) that say they are damaged instead of crashing.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, EnvironmentError, NotFoundError, UsageError } from './errors.js';

/** Makes a directory (and its parents), or says which part of the path is a file. */
export function ensureDir(dir: string, what = 'directory'): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new UsageError(`cannot create the ${what} ${dir}: part of that path is a file, not a directory`, { code: 'NOT_A_DIRECTORY', hint: 'choose another path' });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new EnvironmentError('NOT_WRITABLE', `cannot create the ${what} ${dir}: permission denied`, { hint: 'choose a path you can write to' });
    throw e;
  }
}

/**
 * Checks, without creating anything, that `dir` is or can become a directory: no part of the path
 * is a file. Commands call it before they connect, and create the directory only when they write.
 */
export function assertCanBeDir(dir: string, what = 'directory'): void {
  let p = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
      st = { isDirectory: () => false };
    }
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`cannot create the ${what} ${dir}: part of that path is a file, not a directory`, { code: 'NOT_A_DIRECTORY', hint: 'choose another path' });
      return;
    }
    const parent = dirname(p);
    if (parent === p) return;
    p = parent;
  }
}

/** Makes a directory's entries durable (a created or renamed file survives power loss). */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not every platform can fsync a directory; the rename is atomic regardless
  }
}

/** Writes a file whole or not at all; a full disk leaves the old file as it was. */
export function writeAtomic(file: string, content: string, mode?: number): void {
  ensureDir(dirname(file));
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', mode ?? 0o666);
    try {
      const bytes = Buffer.from(content, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new EnvironmentError('DISK_FULL', `cannot write ${file}: the disk is full (nothing was changed)`, { hint: 'free some space and run the command again' });
    if (code === 'EISDIR') throw new UsageError(`cannot write ${file}: it is a directory`, { code: 'IS_A_DIRECTORY', hint: 'name a file' });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new EnvironmentError('NOT_WRITABLE', `cannot write ${file}: permission denied`, { hint: 'choose a path you can write to' });
    throw e;
  }
  fsyncDir(dirname(file));
}

/** Reads a file a user named; `what` says what it should be ("plan file", "contract"). */
export function readUserFile(file: string, what: string, options: { maxBytes?: number; shown?: string } = {}): string {
  const shown = options.shown ?? file;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${shown} is a directory, not a ${what}`, { code: 'IS_A_DIRECTORY', hint: `name the ${what} itself` });
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError('FILE_NOT_FOUND', `no ${what} at ${shown}`, { hint: 'check the path (relative paths start at the working directory)' });
    throw e;
  }
  if (size > maxBytes) throw new ConfigError('FILE_TOO_LARGE', `${shown} is ${size} bytes, more than a ${what} can be (${maxBytes})`, { hint: `name the ${what} itself` });
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new ConfigError('FILE_UNREADABLE', `cannot read ${shown}: permission denied`, { hint: 'check the file\'s permissions' });
    throw e;
  }
}

/** Parses YAML (or JSON) text a user gave, with duplicate keys and alias bombs refused. */
export function parseUserYaml(text: string, shown: string, what: string): { value: unknown; errors: string[] } {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { value: undefined, errors: doc.errors.map((e) => `${e.code.toLowerCase().replaceAll('_', ' ')}${e.linePos?.[0] ? ` at line ${e.linePos[0].line}` : ''}`) };
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }), errors: [] };
  } catch (e) {
    throw new ConfigError('YAML_ALIASES', `${shown} is not a usable ${what}: ${(e as Error).message.split('\n')[0]}`, { hint: 'YAML aliases that expand without bound (an "alias bomb") are refused; write the values out' });
  }
}

/**
 * Reads a JSON state file zdp wrote (mm2.json, gateway.json, cluster.json). Missing: undefined. Damaged
 * (a crash mid-write on an old version, an edit by hand): a clear error that says how to recover.
 */
export function readStateJson<T>(file: string, what: string, check: (value: unknown) => boolean): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new ConfigError('STATE_DAMAGED', `zdp's ${what} ${file} is a directory`, { hint: `move it aside; zdp writes it again` });
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === undefined || value === null || typeof value !== 'object' || !check(value)) {
    throw new ConfigError('STATE_DAMAGED', `zdp's ${what} ${file} is damaged (not the JSON zdp writes)`, { hint: `move it aside (e.g. mv ${file} ${file}.bad) and run the command again; the clusters themselves are unchanged` });
  }
  return value as T;
}
