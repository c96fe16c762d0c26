/**
 * What several readers of contracts share: local JSON Pointer references (`#/components/...`) and
 * the types a JSON Schema of zdp's dialect accepts. Pure.
 */

type Schema = Record<string, unknown>;

/** The value a local reference (`#/a/b`) points at, or undefined (a malformed %-escape points nowhere). */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let cur: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The types a schema accepts, anyOf branches included; "any" when it names none. */
export function schemaTypes(s: Schema | undefined): Set<string> {
  if (!s) return new Set();
  if (Array.isArray(s.anyOf)) {
    const out = new Set<string>();
    for (const b of s.anyOf as Schema[]) for (const t of schemaTypes(b)) out.add(t);
    return out;
  }
  const t = s.type;
  if (t === undefined) return new Set(['any']);
  return new Set(Array.isArray(t) ? (t as string[]) : [t as string]);
}

/** The part of a schema that describes values of `type`: its anyOf branch, itself, or undefined. */
export function schemaBranch(s: Schema, type: string): Schema | undefined {
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).find((b) => schemaTypes(b).has(type));
  return schemaTypes(s).has(type) ? s : undefined;
}
