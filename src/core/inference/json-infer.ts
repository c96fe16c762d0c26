/**
 * Streaming JSON Schema inference: one statistics node per JSON path, merged sample by sample.
 * Memory depends on the size of the schema (bounded by depth, property, distinct-value caps),
 * never on the number of samples. Nodes merge, so partitions can be inferred separately.
 * Pure: no I/O.
 */

export const STRING_FORMATS = ['date-time', 'date', 'uuid', 'email', 'uri', 'ipv4'] as const;
export type StringFormat = (typeof STRING_FORMATS)[number];

const FORMAT_TESTS: Readonly<Record<StringFormat, RegExp>> = {
  'date-time': /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/,
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s]+$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
};

/** a decimal digit at `i` (false past the end: charCodeAt gives NaN) */
function digit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function between(s: string, i: number, lo: number, hi: number): boolean {
  const c = s.charCodeAt(i);
  return c >= lo && c <= hi;
}

/** \d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) at the start of s */
function datePart(s: string): boolean {
  if (!(digit(s, 0) && digit(s, 1) && digit(s, 2) && digit(s, 3) && s.charCodeAt(4) === 0x2d && s.charCodeAt(7) === 0x2d)) return false;
  const m = s.charCodeAt(5);
  if (!(m === 0x30 ? between(s, 6, 0x31, 0x39) : m === 0x31 && between(s, 6, 0x30, 0x32))) return false;
  const d = s.charCodeAt(8);
  return d === 0x30 ? between(s, 9, 0x31, 0x39) : d === 0x31 || d === 0x32 ? digit(s, 9) : d === 0x33 && between(s, 9, 0x30, 0x31);
}

/** ([01]\d|2[0-3]) at i */
function hour(s: string, i: number): boolean {
  const h = s.charCodeAt(i);
  return h === 0x30 || h === 0x31 ? digit(s, i + 1) : h === 0x32 && between(s, i + 1, 0x30, 0x33);
}

/** [0-5]\d at i */
function sixty(s: string, i: number): boolean {
  return between(s, i, 0x30, 0x35) && digit(s, i + 1);
}

/** FORMAT_TESTS['date-time'] without the regular expression engine: the same answer (test/unit/string-formats.test.ts), cheaper for the strings that match */
function isDateTime(s: string): boolean {
  const n = s.length;
  if (n < 20 || !datePart(s)) return false;
  const t = s.charCodeAt(10);
  if (!((t === 0x54 || t === 0x74) && hour(s, 11) && s.charCodeAt(13) === 0x3a && sixty(s, 14) && s.charCodeAt(16) === 0x3a)) return false;
  if (!(sixty(s, 17) || (s.charCodeAt(17) === 0x36 && s.charCodeAt(18) === 0x30))) return false;
  let i = 19;
  if (s.charCodeAt(i) === 0x2e) {
    const first = ++i;
    while (digit(s, i)) i++;
    if (i === first) return false;
  }
  const z = s.charCodeAt(i);
  if (z === 0x5a || z === 0x7a) return i + 1 === n;
  if (z === 0x2b || z === 0x2d) return i + 6 === n && hour(s, i + 1) && s.charCodeAt(i + 3) === 0x3a && sixty(s, i + 4);
  return false;
}

function isDate(s: string): boolean {
  return s.length === 10 && datePart(s);
}

/** 1 for the characters of [0-9a-fA-F], by char code */
const HEX = new Uint8Array(65_536);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** [0-9a-fA-F] from `from` to `to` */
function hexRun(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (HEX[s.charCodeAt(i)] === 0) return false;
  return true;
}

/** FORMAT_TESTS.uuid without the regular expression engine */
function isUuid(s: string): boolean {
  return (
    s.length === 36 &&
    s.charCodeAt(8) === 0x2d &&
    s.charCodeAt(13) === 0x2d &&
    s.charCodeAt(18) === 0x2d &&
    s.charCodeAt(23) === 0x2d &&
    hexRun(s, 0, 8) &&
    hexRun(s, 9, 13) &&
    hexRun(s, 14, 18) &&
    hexRun(s, 19, 23) &&
    hexRun(s, 24, 36)
  );
}

/** what \s matches in a JavaScript regular expression */
function isSpace(c: number): boolean {
  if (c > 0x20 && c < 0xa0) return false;
  return (
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** FORMAT_TESTS.email (^[^\s@]+@[^\s@]+\.[^\s@]+$) without the regular expression engine */
function isEmail(s: string): boolean {
  const n = s.length;
  let at = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x40) {
      if (at >= 0) return false;
      at = i;
    } else if (isSpace(c)) return false;
  }
  // one @ after at least one character, then a dot with at least one character on each side
  if (at < 1) return false;
  for (let i = at + 2; i <= n - 2; i++) if (s.charCodeAt(i) === 0x2e) return true;
  return false;
}

/** The format tests observe runs on every string, in STRING_FORMATS order: hand-written where equivalent to FORMAT_TESTS and cheaper */
export const FORMAT_CHECKS: Readonly<Record<StringFormat, (s: string) => boolean>> = {
  'date-time': isDateTime,
  date: isDate,
  uuid: isUuid,
  email: isEmail,
  uri: (s) => FORMAT_TESTS.uri.test(s),
  ipv4: (s) => FORMAT_TESTS.ipv4.test(s),
};

/** what each check answers as */
export { FORMAT_TESTS };

const FORMAT_FNS: readonly ((s: string) => boolean)[] = STRING_FORMATS.map((f) => FORMAT_CHECKS[f]);
/** every format bit set: a node with no strings yet could still be any format */
const ALL_FORMATS = (1 << STRING_FORMATS.length) - 1;
/** positions of an object's properties remembered in order (StatsNode.keyOrder) */
const KEY_ORDER_MAX = 64;

export interface InferenceOptions {
  /** a property is required only when its parent object was seen at least this often */
  requiredMinParent: number;
  /** share of parent occurrences a property must be present in to be required (1 = always) */
  requiredRatio: number;
  enums: boolean;
  enumMaxValues: number;
  enumMinSamples: number;
  /** samples must be at least this many times the number of distinct values */
  enumRepeatFactor: number;
  /**
   * every value must be seen at least this often: values seen once or twice mean others were likely
   * never sampled (Good-Turing: the share of singletons estimates the share of unseen values)
   */
  enumMinPerValue: number;
  distinctCap: number;
  distinctMaxLength: number;
  /** objects with more distinct keys than this become maps (additionalProperties) */
  mapKeyThreshold: number;
  maxDepth: number;
}

export const DEFAULT_INFERENCE: Readonly<InferenceOptions> = Object.freeze({
  requiredMinParent: 20,
  requiredRatio: 1,
  enums: true,
  enumMaxValues: 16,
  enumMinSamples: 50,
  enumRepeatFactor: 5,
  enumMinPerValue: 3,
  distinctCap: 64,
  distinctMaxLength: 64,
  mapKeyThreshold: 256,
  maxDepth: 32,
});

export type JsonSchema = { [key: string]: unknown };

export class StatsNode {
  /** occurrences of this path, nulls included */
  seen = 0;
  nulls = 0;
  booleans = 0;
  integers = 0;
  /** non-integer numbers */
  fractions = 0;
  /** integers beyond 2^53: JSON.parse already lost their precision */
  unsafeIntegers = 0;
  strings = 0;
  arrays = 0;
  objects = 0;
  /** values deeper than the depth cap: counted, not described */
  tooDeep = 0;
  /**
   * the formats (one bit per STRING_FORMATS index) every string so far matched: the only ones still
   * worth testing, and, once a string was seen, the ones the strings have
   */
  formatsLive = ALL_FORMATS;
  /** distinct string values and their counts; null once it overflowed */
  distinct: Map<string, number> | null = new Map();
  props: Map<string, StatsNode> | null = new Map();
  /** merged value node once the object collapsed into a map */
  mapValues: StatsNode | null = null;
  items: StatsNode | null = null;
  minItems = Number.POSITIVE_INFINITY;
  maxItems = 0;
  /**
   * The property names of the last object seen here, in order, and their nodes: records of one
   * producer name their properties in one order, so the next object's nodes are found by position
   * (JSON.parse interns property names: comparing them is comparing pointers) without a Map lookup.
   * Only a shortcut into `props`; emptied when the object collapses into a map.
   */
  private keyOrder: string[] = [];
  private nodeOrder: StatsNode[] = [];

  /**
   * Counts one value at this path. Returns true when the value nests deeper than `maxDepth`
   * (the part below is counted in `tooDeep`, not described), so callers learn it without a second walk.
   */
  observe(value: unknown, options: InferenceOptions = DEFAULT_INFERENCE, depth = 0): boolean {
    this.seen++;
    if (value === null || value === undefined) {
      this.nulls++;
      return false;
    }
    if (depth >= options.maxDepth) {
      this.tooDeep++;
      return true;
    }
    switch (typeof value) {
      case 'boolean':
        this.booleans++;
        return false;
      case 'number':
        if (Number.isInteger(value)) this.addInteger(!Number.isSafeInteger(value));
        else this.fractions++;
        return false;
      case 'string':
        this.observeString(value, options);
        return false;
      case 'object': {
        let deep = false;
        if (Array.isArray(value)) {
          const items = this.addArray(value.length);
          for (let i = 0; i < value.length; i++) if (items!.observe(value[i], options, depth + 1)) deep = true;
          return deep;
        }
        this.objects++;
        const keyOrder = this.keyOrder;
        let at = 0;
        for (const key in value as Record<string, unknown>) {
          const child = (value as Record<string, unknown>)[key];
          if (child === undefined) continue;
          let node: StatsNode;
          if (at < keyOrder.length && keyOrder[at] === key) node = this.nodeOrder[at]!;
          else {
            node = this.child(key);
            // a map-like object (many names) is not worth remembering in order
            if (this.props !== null && at < KEY_ORDER_MAX) {
              keyOrder[at] = key;
              this.nodeOrder[at] = node;
            }
          }
          at++;
          if (node.observe(child, options, depth + 1)) deep = true;
        }
        this.endObject(options);
        return deep;
      }
      default:
        return false;
    }
  }

  // The adders below are the one place statistics change. Callers count `seen` and check depth.

  addInteger(unsafe: boolean): void {
    this.integers++;
    if (unsafe) this.unsafeIntegers++;
  }

  /** Counts an array of `length` items and returns the node its items go to (undefined when empty). */
  addArray(length: number): StatsNode | undefined {
    this.arrays++;
    if (length < this.minItems) this.minItems = length;
    if (length > this.maxItems) this.maxItems = length;
    if (length === 0) return undefined;
    this.items ??= new StatsNode();
    return this.items;
  }

  /** The node for a property of this object (the merged value node once it became a map). */
  child(key: string): StatsNode {
    if (this.props === null) return this.mapValues!;
    let node = this.props.get(key);
    if (!node) {
      node = new StatsNode();
      this.props.set(key, node);
    }
    return node;
  }

  /** After an object's properties: collapse into a map when it has too many distinct keys. */
  endObject(options: InferenceOptions): void {
    if (this.props !== null && this.props.size > options.mapKeyThreshold) this.collapseToMap(options);
  }

  /** whether a string here only counts: no format still holds for every string, and distinct values overflowed */
  countsOnly(): boolean {
    return this.formatsLive === 0 && this.distinct === null;
  }

  /** observe() of a string that countsOnly() says need not be read */
  countString(): void {
    this.seen++;
    this.strings++;
  }

  private observeString(value: string, options: InferenceOptions): void {
    this.strings++;
    // only the formats every string so far had are tested: each set bit, lowest first
    for (let live = this.formatsLive; live !== 0; live &= live - 1) {
      const bit = live & -live;
      if (!FORMAT_FNS[31 - Math.clz32(bit)]!(value)) this.formatsLive &= ~bit;
    }
    if (this.distinct !== null) {
      if (value.length > options.distinctMaxLength) {
        this.distinct = null;
      } else {
        this.distinct.set(value, (this.distinct.get(value) ?? 0) + 1);
        if (this.distinct.size > options.distinctCap) this.distinct = null;
      }
    }
  }

  private collapseToMap(options: InferenceOptions): void {
    const merged = new StatsNode();
    for (const node of this.props!.values()) merged.merge(node, options);
    this.mapValues = merged;
    this.props = null;
    this.keyOrder = [];
    this.nodeOrder = [];
  }

  /** Adds another node's statistics into this one. */
  merge(other: StatsNode, options: InferenceOptions = DEFAULT_INFERENCE): this {
    this.seen += other.seen;
    this.nulls += other.nulls;
    this.booleans += other.booleans;
    this.integers += other.integers;
    this.fractions += other.fractions;
    this.unsafeIntegers += other.unsafeIntegers;
    this.strings += other.strings;
    this.arrays += other.arrays;
    this.objects += other.objects;
    this.tooDeep += other.tooDeep;
    // a format holds for the merge only if it held on both sides (a side with no strings holds every one)
    this.formatsLive &= other.formatsLive;
    if (this.distinct === null || other.distinct === null) {
      this.distinct = null;
    } else {
      for (const [v, n] of other.distinct) this.distinct.set(v, (this.distinct.get(v) ?? 0) + n);
      if (this.distinct.size > options.distinctCap) this.distinct = null;
    }
    this.minItems = Math.min(this.minItems, other.minItems);
    this.maxItems = Math.max(this.maxItems, other.maxItems);
    if (other.items) (this.items ??= new StatsNode()).merge(other.items, options);
    if (other.props === null || this.props === null) {
      if (this.props !== null) this.collapseToMap(options);
      const otherValues = other.props === null ? [other.mapValues!] : [...other.props.values()];
      for (const v of otherValues) this.mapValues!.merge(v, options);
    } else {
      for (const [key, node] of other.props) {
        const mine = this.props.get(key);
        if (mine) mine.merge(node, options);
        else this.props.set(key, new StatsNode().merge(node, options));
      }
      if (this.props.size > options.mapKeyThreshold) this.collapseToMap(options);
    }
    return this;
  }

  /**
   * Restores the class of a node tree that crossed a thread boundary (structured clone keeps the
   * fields and Maps, not the prototype).
   */
  static revive(plain: StatsNode): StatsNode {
    Object.setPrototypeOf(plain, StatsNode.prototype);
    if (plain.props) for (const child of plain.props.values()) StatsNode.revive(child);
    if (plain.mapValues) StatsNode.revive(plain.mapValues);
    if (plain.items) StatsNode.revive(plain.items);
    return plain;
  }

  /** Kinds of non-null values seen. */
  kinds(): string[] {
    const k: string[] = [];
    if (this.objects) k.push('object');
    if (this.arrays) k.push('array');
    if (this.strings) k.push('string');
    if (this.fractions) k.push('number');
    else if (this.integers) k.push('integer');
    if (this.booleans) k.push('boolean');
    return k;
  }
}

function stringFormat(node: StatsNode): StringFormat | undefined {
  if (node.strings === 0 || node.formatsLive === 0) return undefined;
  return STRING_FORMATS[31 - Math.clz32(node.formatsLive & -node.formatsLive)];
}

/**
 * Values that name things rather than classify them: prefixed or numbered ids (SKU-1001, cus_42,
 * c4711, ORD:0001), numbers in a string, long hex. A field holding them is an identifier, however
 * few of its values a sample shows: an enum of them would reject the next one.
 */
const IDENTIFIER_LIKE = /^(?:[A-Za-z]{0,12}[-_:.#/]?\d{2,}[A-Za-z]{0,4}|\d+|[0-9a-fA-F]{8,})$/;

/**
 * An enum only on evidence: at least two values, at most enumMaxValues, every one seen at least
 * enumMinPerValue times, enough samples overall, and no value that looks like an identifier. A
 * constant field is a plain string, not a one-value enum that would reject the next value.
 */
function enumValues(node: StatsNode, options: InferenceOptions): string[] | undefined {
  if (!options.enums || node.distinct === null) return undefined;
  const n = node.distinct.size;
  if (n < 2 || n > options.enumMaxValues || node.strings < options.enumMinSamples || node.strings < options.enumRepeatFactor * n) return undefined;
  for (const [value, count] of node.distinct) {
    if (count < options.enumMinPerValue || value === '' || IDENTIFIER_LIKE.test(value)) return undefined;
  }
  return [...node.distinct.keys()].sort();
}

/** The JSON Schema for one kind of value at this node (no nullability). */
function schemaForKind(node: StatsNode, kind: string, options: InferenceOptions): JsonSchema {
  switch (kind) {
    case 'object': {
      if (node.props === null) {
        return { type: 'object', additionalProperties: toJsonSchema(node.mapValues!, options) };
      }
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const key of [...node.props.keys()].sort()) {
        const child = node.props.get(key)!;
        setOwn(properties, key, toJsonSchema(child, options));
        if (node.objects >= options.requiredMinParent && child.seen >= options.requiredRatio * node.objects) required.push(key);
      }
      const schema: JsonSchema = { type: 'object' };
      if (Object.keys(properties).length > 0) schema.properties = properties;
      if (required.length > 0) schema.required = required;
      return schema;
    }
    case 'array':
      return node.items ? { type: 'array', items: toJsonSchema(node.items, options) } : { type: 'array' };
    case 'string': {
      const schema: JsonSchema = { type: 'string' };
      const format = stringFormat(node);
      if (format) schema.format = format;
      else {
        const values = enumValues(node, options);
        if (values) schema.enum = values;
      }
      return schema;
    }
    default:
      return { type: kind };
  }
}

/**
 * Sets an own property, whatever its name: `obj[key] = v` with a key of "__proto__" (a field name a
 * topic may well carry) would set the object's prototype instead and lose the field.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Sorts keys recursively so the output is byte-stable. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) setOwn(out, k, sortKeys((value as Record<string, unknown>)[k]));
    return out as T;
  }
  return value;
}

/** Renders the statistics as an open JSON Schema (no additionalProperties: false). */
export function toJsonSchema(node: StatsNode, options: InferenceOptions = DEFAULT_INFERENCE): JsonSchema {
  const kinds = node.kinds();
  const nullable = node.nulls > 0;
  if (kinds.length === 0) return nullable ? { type: 'null' } : {};
  const structured = kinds.filter((k) => k === 'object' || k === 'array');
  if (structured.length === 0) {
    if (kinds.length === 1) {
      const schema = schemaForKind(node, kinds[0]!, options);
      if (nullable) {
        schema.type = [kinds[0]!, 'null'];
        if (Array.isArray(schema.enum)) schema.enum = [...(schema.enum as unknown[]), null];
      }
      return schema;
    }
    // several primitive kinds: a type array; formats and enums only describe one kind
    const types = [...kinds].sort();
    if (nullable) types.push('null');
    return { type: types };
  }
  const branches = kinds.map((k) => schemaForKind(node, k, options));
  if (nullable) branches.push({ type: 'null' });
  if (branches.length === 1) return branches[0]!;
  return { anyOf: branches };
}

export interface PathStats {
  path: string;
  seen: number;
  /** share of parent occurrences this path was present in */
  presence: number;
  nulls: number;
  kinds: string[];
  distinct?: number;
  format?: string;
  unsafeIntegers?: number;
  collapsedToMap?: boolean;
}

/** Per-path statistics for the sidecar report (not the contract). */
export function collectStats(node: StatsNode, path = '$', parentSeen = node.seen, out: PathStats[] = []): PathStats[] {
  const s: PathStats = {
    path,
    seen: node.seen,
    presence: parentSeen === 0 ? 0 : Math.round((node.seen / parentSeen) * 10000) / 10000,
    nulls: node.nulls,
    kinds: node.kinds(),
  };
  if (node.distinct) s.distinct = node.distinct.size;
  const f = stringFormat(node);
  if (f) s.format = f;
  if (node.unsafeIntegers) s.unsafeIntegers = node.unsafeIntegers;
  if (node.props === null) s.collapsedToMap = true;
  out.push(s);
  if (node.props) for (const key of [...node.props.keys()].sort()) collectStats(node.props.get(key)!, `${path}.${key}`, node.objects, out);
  if (node.mapValues) collectStats(node.mapValues, `${path}.*`, node.mapValues.seen, out);
  if (node.items) collectStats(node.items, `${path}[]`, node.items.seen, out);
  return out;
}
