/**
 * Everything zdp learns about one topic from its sampled records: encodings of keys and values,
 * streaming schema statistics, headers, registry schema ids, a few examples. Bounded in memory.
 * Pure: records in, statistics out.
 */
import { decodeUtf8, detectEncoding, detectEncodingAt, EncodingVote, type Encoding } from '../encoding/detect.js';
import { DEFAULT_INFERENCE, StatsNode, type InferenceOptions } from './json-infer.js';

export interface RecordInput {
  partition: number;
  offset: bigint;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  /** a header sent without a value (null) is counted, not described */
  headers: Record<string, Buffer | string | null | (Buffer | string | null)[] | undefined>;
}

export interface Example {
  partition: number;
  offset: bigint;
  key: unknown;
  value: unknown;
  headers: Record<string, string>;
}

/** How many registry-framed bodies per schema id are kept to check against the schema later. */
export const BODIES_PER_SCHEMA = 50;
const MAX_BINARY_LENGTHS = 32;
const EMPTY = Buffer.alloc(0);

/**
 * One record as positions in a buffer (a record batch's bytes), as readers that decode in place
 * hand it over (kafka/protocol/record-batch.ts RecordView): no copy, one object for many records.
 */
export interface RecordParts {
  data: Buffer;
  partition: number;
  baseOffset: bigint;
  offsetDelta: number;
  timestampMs: number;
  /** -1: null */
  keyStart: number;
  keyLength: number;
  valueStart: number;
  valueLength: number;
  headers: RecordInput['headers'] | undefined;
}

export class PartSample {
  readonly vote = new EncodingVote();
  readonly json = new StatsNode();
  readonly text = new StatsNode();
  readonly binaryLengths = new Map<number, number>();
  readonly registryIds = new Map<number, { count: number; framing: 'confluent' | 'apicurio'; bodies: Buffer[] }>();
  /** bytes that looked like one thing and were another (e.g. invalid UTF-8 after a '{') */
  readonly notes = new Map<string, number>();
  maxBytes = 0;
  /** whether the value last added nested deeper than inference describes (set by add) */
  lastTooDeep = false;

  static revive(plain: PartSample): PartSample {
    Object.setPrototypeOf(plain, PartSample.prototype);
    EncodingVote.revive(plain.vote);
    StatsNode.revive(plain.json);
    StatsNode.revive(plain.text);
    for (const e of plain.registryIds.values()) e.bodies = e.bodies.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return plain;
  }

  merge(other: PartSample, options: InferenceOptions): this {
    this.vote.merge(other.vote);
    this.json.merge(other.json, options);
    this.text.merge(other.text, options);
    for (const [len, n] of other.binaryLengths) {
      if (this.binaryLengths.has(len) || this.binaryLengths.size < MAX_BINARY_LENGTHS) this.binaryLengths.set(len, (this.binaryLengths.get(len) ?? 0) + n);
    }
    for (const [id, e] of other.registryIds) {
      const mine = this.registryIds.get(id);
      if (!mine) this.registryIds.set(id, { count: e.count, framing: e.framing, bodies: e.bodies.slice(0, BODIES_PER_SCHEMA) });
      else {
        mine.count += e.count;
        for (const b of e.bodies) if (mine.bodies.length < BODIES_PER_SCHEMA) mine.bodies.push(b);
      }
    }
    for (const [note, n] of other.notes) this.notes.set(note, (this.notes.get(note) ?? 0) + n);
    this.maxBytes = Math.max(this.maxBytes, other.maxBytes);
    return this;
  }

  /** Counts one key or value; returns its encoding (exampleValue rebuilds the value for an example). */
  add(bytes: Buffer | null, options: InferenceOptions): Encoding {
    return bytes === null ? this.addAt(EMPTY, 0, -1, options) : this.addAt(bytes, 0, bytes.length, options);
  }

  /** add() of `length` bytes of `buf` from `start` (-1: null), without a view of them */
  addAt(buf: Buffer, start: number, length: number, options: InferenceOptions): Encoding {
    this.lastTooDeep = false;
    // Text whose strings no longer tell anything (no format holds, too many distinct values to
    // count): plain ASCII that cannot start a JSON text is text, counted from its bytes without
    // decoding it (extract reads every key: a unique id per record)
    if (length > 0 && this.text.countsOnly() && plainText(buf, start, length)) {
      this.vote.add('text');
      if (length > this.maxBytes) this.maxBytes = length;
      this.text.countString();
      return 'text';
    }
    const d = detectEncodingAt(buf, start, length);
    this.vote.add(d.encoding);
    if (length > this.maxBytes) this.maxBytes = length;
    if (d.note) this.notes.set(d.note, (this.notes.get(d.note) ?? 0) + 1);
    switch (d.encoding) {
      case 'json':
        this.lastTooDeep = this.json.observe(d.json, options);
        break;
      case 'text':
        this.text.observe(d.text ?? buf.toString('utf8', start, start + length), options);
        break;
      case 'registry':
      case 'registry-apicurio': {
        let entry = this.registryIds.get(d.schemaId!);
        if (!entry) {
          entry = { count: 0, framing: d.encoding === 'registry' ? 'confluent' : 'apicurio', bodies: [] };
          this.registryIds.set(d.schemaId!, entry);
        }
        entry.count++;
        if (entry.bodies.length < BODIES_PER_SCHEMA) entry.bodies.push(Buffer.from(d.body!));
        break;
      }
      case 'binary': {
        const len = length;
        if (this.binaryLengths.has(len) || this.binaryLengths.size < MAX_BINARY_LENGTHS) this.binaryLengths.set(len, (this.binaryLengths.get(len) ?? 0) + 1);
        break;
      }
      default:
        break;
    }
    return d.encoding;
  }
}

/** What an example shows of a key or value: the parsed JSON, the text, the schema id, or the first bytes in base64. */
export function exampleValue(bytes: Buffer | null): unknown {
  const d = detectEncoding(bytes);
  switch (d.encoding) {
    case 'json':
      return d.json;
    case 'text':
      return d.text ?? bytes!.toString('utf8');
    case 'registry':
    case 'registry-apicurio':
      return { schemaId: d.schemaId };
    case 'binary':
      return { base64: bytes!.subarray(0, 64).toString('base64') };
    default:
      return null;
  }
}

export interface HeaderStats {
  count: number;
  /** values that were not valid UTF-8 */
  binary: number;
  /** repeated names in one record */
  repeated: number;
  node: StatsNode;
}

export class TopicSample {
  records = 0;
  readonly value = new PartSample();
  readonly key = new PartSample();
  readonly headers = new Map<string, HeaderStats>();
  readonly examples: Example[] = [];
  minTimestampMs = Number.POSITIVE_INFINITY;
  maxTimestampMs = 0;

  constructor(
    readonly topic: string,
    private readonly options: InferenceOptions = DEFAULT_INFERENCE,
    private readonly maxExamples = 3,
  ) {}

  add(record: RecordInput): void {
    this.records++;
    if (record.timestampMs < this.minTimestampMs) this.minTimestampMs = record.timestampMs;
    if (record.timestampMs > this.maxTimestampMs) this.maxTimestampMs = record.timestampMs;
    this.key.add(record.key, this.options);
    const valueEncoding = this.value.add(record.value, this.options);
    const headers = this.addHeaders(record.headers);
    if (!this.mayOffer(valueEncoding) || !this.wantsExample(record.partition, record.offset)) return;
    this.offerExample({ partition: record.partition, offset: record.offset, key: exampleValue(record.key), value: exampleValue(record.value), headers: headers ?? {} });
  }

  /** add() of a record as positions in a buffer: the same statistics, without a copy of its key and value */
  addParts(r: RecordParts): void {
    this.records++;
    if (r.timestampMs < this.minTimestampMs) this.minTimestampMs = r.timestampMs;
    if (r.timestampMs > this.maxTimestampMs) this.maxTimestampMs = r.timestampMs;
    this.key.addAt(r.data, r.keyStart, r.keyLength, this.options);
    const valueEncoding = this.value.addAt(r.data, r.valueStart, r.valueLength, this.options);
    const headers = r.headers === undefined ? undefined : this.addHeaders(r.headers);
    if (!this.mayOffer(valueEncoding) || !this.mayWantExample(r.partition)) return;
    const offset = r.baseOffset + BigInt(r.offsetDelta);
    if (!this.wantsExample(r.partition, offset)) return;
    const part = (start: number, length: number) => (length < 0 ? null : r.data.subarray(start, start + length));
    this.offerExample({ partition: r.partition, offset, key: exampleValue(part(r.keyStart, r.keyLength)), value: exampleValue(part(r.valueStart, r.valueLength)), headers: headers ?? {} });
  }

  /** Counts a record's headers; returns their texts (for an example). */
  private addHeaders(recordHeaders: RecordInput['headers']): Record<string, string> | undefined {
    let headers: Record<string, string> | undefined;
    for (const name in recordHeaders) {
      const raw = recordHeaders[name];
      if (raw === undefined) continue;
      const values = Array.isArray(raw) ? raw : [raw];
      let stats = this.headers.get(name);
      if (!stats) {
        stats = { count: 0, binary: 0, repeated: 0, node: new StatsNode() };
        this.headers.set(name, stats);
      }
      stats.count++;
      if (values.length > 1) stats.repeated++;
      for (const v of values) {
        if (v === null) continue;
        const text = typeof v === 'string' ? v : decodeUtf8(v);
        if (text === undefined) {
          stats.binary++;
          continue;
        }
        stats.node.observe(text, this.options);
        (headers ??= {})[name] = text;
      }
    }
    return headers;
  }

  /** Whether the record just counted can be an example at all (not nested too deep, not a tombstone or empty value). */
  private mayOffer(valueEncoding: Encoding): boolean {
    // a record nested deeper than inference describes is no example: renderers would recurse as deep
    if (this.key.lastTooDeep || this.value.lastTooDeep) {
      const note = `nested deeper than ${this.options.maxDepth} levels: described as an opaque object below that depth, and not used as an example`;
      this.value.notes.set(note, (this.value.notes.get(note) ?? 0) + 1);
      return false;
    }
    // tombstones and empty values are no examples
    return valueEncoding !== 'tombstone' && valueEncoding !== 'empty';
  }

  /** wantsExample as far as the partition tells (the offset is needed only within the last example's partition) */
  private mayWantExample(partition: number): boolean {
    return this.examples.length < this.maxExamples || partition <= this.examples[this.examples.length - 1]!.partition;
  }

  static revive(plain: TopicSample): TopicSample {
    Object.setPrototypeOf(plain, TopicSample.prototype);
    PartSample.revive(plain.value);
    PartSample.revive(plain.key);
    for (const h of plain.headers.values()) StatsNode.revive(h.node);
    return plain;
  }

  /** Adds another sample of the same topic (from another worker) into this one. */
  merge(other: TopicSample): this {
    this.records += other.records;
    this.minTimestampMs = Math.min(this.minTimestampMs, other.minTimestampMs);
    this.maxTimestampMs = Math.max(this.maxTimestampMs, other.maxTimestampMs);
    this.value.merge(other.value, this.options);
    this.key.merge(other.key, this.options);
    for (const [name, h] of other.headers) {
      const mine = this.headers.get(name);
      if (!mine) this.headers.set(name, { count: h.count, binary: h.binary, repeated: h.repeated, node: new StatsNode().merge(h.node, this.options) });
      else {
        mine.count += h.count;
        mine.binary += h.binary;
        mine.repeated += h.repeated;
        mine.node.merge(h.node, this.options);
      }
    }
    for (const e of other.examples) this.offerExample(e);
    return this;
  }

  /** Whether a record at (partition, offset) would be among the examples kept (checked before one is built). */
  private wantsExample(partition: number, offset: bigint): boolean {
    if (this.examples.length < this.maxExamples) return true;
    const last = this.examples[this.examples.length - 1]!;
    return partition < last.partition || (partition === last.partition && offset < last.offset);
  }

  /** Keeps the examples with the lowest (partition, offset): the same input gives the same examples. */
  private offerExample(example: Example): void {
    if (example.value === null || !this.wantsExample(example.partition, example.offset)) return;
    if (this.examples.length < this.maxExamples) this.examples.push(example);
    else this.examples[this.examples.length - 1] = example;
    this.examples.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  }
}

/**
 * Bytes detectEncoding calls text without a doubt: printable ASCII (tab, line feed and carriage
 * return allowed, as in text), not starting with what a JSON text or JSON whitespace starts with
 * (`{ [ " - 0-9 t f n`, space, tab, CR, LF), nor with a registry's zero byte.
 */
export function plainText(buf: Buffer, start: number, length: number): boolean {
  const first = buf[start]!;
  if (first <= 0x20 || first >= 0x7f || first === 0x7b || first === 0x5b || first === 0x22 || first === 0x2d || (first >= 0x30 && first <= 0x39) || first === 0x74 || first === 0x66 || first === 0x6e) return false;
  for (let i = start + 1, end = start + length; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x7f || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) return false;
  }
  return true;
}
