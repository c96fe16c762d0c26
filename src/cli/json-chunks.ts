/**
 * JSON.stringify(value, replacer, 2), the same bytes, written in pieces: a large result (parity's
 * 20,000 partitions and group offsets make 15 MB) is never one string in memory, nor is the
 * serializer's working copy of it. The outer two levels (the envelope and its arrays) are walked
 * here; each element below them is one JSON.stringify, re-indented (a JSON string never holds a
 * raw newline, so every newline in its output is layout).
 */
export type JsonReplacer = (this: unknown, key: string, value: unknown) => unknown;

const STEP = '  ';

/** The value JSON.stringify would serialize for `holder[key]`: toJSON, then the replacer. */
function prepared(holder: object, key: string, value: unknown, replacer: JsonReplacer): unknown {
  let v = value;
  if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') v = (toJSON as (k: string) => unknown).call(v, key);
  }
  return replacer.call(holder, key, v);
}

/** True for what JSON.stringify walks as an array or an object (boxed primitives and functions are not). */
function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !(v instanceof Number) && !(v instanceof String) && !(v instanceof Boolean) && !(v instanceof BigInt);
}

function* walk(v: object, indent: string, depth: number, replacer: JsonReplacer): Generator<string> {
  const inner = indent + STEP;
  if (Array.isArray(v)) {
    if (v.length === 0) return yield '[]';
    yield '[';
    for (let i = 0; i < v.length; i++) {
      yield `${i === 0 ? '' : ','}\n${inner}`;
      const x = prepared(v, String(i), v[i], replacer);
      if (depth < 1 && isContainer(x)) yield* walk(x, inner, depth + 1, replacer);
      else yield leaf(x, inner, replacer) ?? 'null';
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(v)) {
    const x = prepared(v, key, (v as Record<string, unknown>)[key], replacer);
    const walked = depth < 1 && isContainer(x);
    const s = walked ? '' : leaf(x, inner, replacer);
    if (s === undefined) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: ${s}`;
    first = false;
    if (walked) yield* walk(x, inner, depth + 1, replacer);
  }
  yield first ? '{}' : `\n${indent}}`;
}

/**
 * A prepared value below the walked levels, laid out at `inner`'s depth; undefined where it writes
 * nothing. JSON.stringify lays it out at that depth itself when it is wrapped in as many arrays
 * (then the wrapping is cut off: a view, no copy). JSON.stringify applies toJSON and the replacer to
 * it once more: the replacer must give back what it is given for a value it already mapped, as
 * zdp's (bigints to decimal strings) does.
 */
function leaf(x: unknown, inner: string, replacer: JsonReplacer): string | undefined {
  if (x === undefined || typeof x === 'function' || typeof x === 'symbol') return undefined;
  const depth = inner.length / STEP.length;
  let wrapped: unknown = x;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const s = JSON.stringify(wrapped, replacer, STEP.length)!;
  // "[\n  [\n    " … "\n  ]\n]": each level opens with "[", a newline and its indent, and closes with a newline, the indent one level up and "]"
  return s.slice(depth * depth + 3 * depth, s.length - (depth * depth + depth));
}

/**
 * The pieces of JSON.stringify(value, replacer, 2) in order; joined, the same string. Undefined
 * (a value JSON.stringify writes nothing for) gives no pieces.
 */
export function* jsonChunks(value: unknown, replacer: JsonReplacer): Generator<string> {
  const holder = { '': value };
  const x = prepared(holder, '', value, replacer);
  if (isContainer(x)) yield* walk(x, '', 0, replacer);
  else {
    const s = leaf(x, '', replacer);
    if (s !== undefined) yield s;
  }
}

/** Writes JSON.stringify(value, replacer, 2) + "\n" through `write`, about `size` characters at a time. */
export function writeJson(write: (chunk: string) => unknown, value: unknown, replacer: JsonReplacer, size = 1 << 20): void {
  let buffer = '';
  for (const piece of jsonChunks(value, replacer)) {
    buffer += piece;
    if (buffer.length >= size) {
      write(buffer);
      buffer = '';
    }
  }
  write(`${buffer}\n`);
}
