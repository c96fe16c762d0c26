/**
 * The one rule for names that become paths (cluster profiles, dev clusters, migrations, gateways,
 * product names), the one check that a resolved state path stays inside its root, and the one
 * refusal of control characters in values written into properties, YAML or JAAS files. Pure.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Lower-case letters, digits, - and _; starts with a letter or digit; at most 63 characters. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export type NameKind = 'cluster' | 'dev cluster' | 'migration' | 'gateway' | 'product' | 'profile';

/** Why `value` is not a usable name, or undefined when it is. */
export function nameProblem(kind: NameKind, value: string): string | undefined {
  if (NAME_PATTERN.test(value)) return undefined;
  const shown = printable(value);
  if (value.length === 0) return `the ${kind} name is empty`;
  if (value.length > 63) return `${kind} name "${shown.slice(0, 40)}…" is longer than 63 characters`;
  return `"${shown}" is not a valid ${kind} name: use lower-case letters, digits, - and _ (starting with a letter or digit)`;
}

/** True when `path`, resolved, is `root` itself or lies below it. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The first control character (C0, DEL, C1, line and paragraph separators) in `value`, if any. */
export function controlCharacter(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const m = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.exec(value);
  return m ? `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

/** A value as it may be shown in a message: control characters as \uXXXX, at most 200 characters. */
export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  const s = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
