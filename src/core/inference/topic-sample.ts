/**
 * Everything zdp learns about one topic from its sampled records: encodings of keys and values,
 * streaming schema statistics, headers, registry schema ids, a few examples. Bounded in memory.
 * Pure: records in, statistics out.
 */
import { decodeUtf8, detectEncoding, EncodingVote } from '../encoding/detect.js';
import { DEFAULT_INFERENCE, StatsNode, type InferenceOptions } from './json-infer.js';

export interface RecordInput {
  partition: number;
  offset: bigint;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
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

export class PartSample {
  readonly vote = new EncodingVote();
  readonly json = new StatsNode();
  readonly text = new StatsNode();
  readonly binaryLengths = new Map<number, number>();
  readonly registryIds = new Map<number, { count: number; framing: 'confluent' | 'apicurio'; bodies: Buffer[] }>();
  /** bytes that looked like one thing and were another (e.g. invalid UTF-8 after a '{') */
  readonly notes = new Map<string, number>();
  maxBytes = 0;

  add(bytes: Buffer | null, options: InferenceOptions): unknown {
    const d = detectEncoding(bytes);
    this.vote.add(d.encoding);
    if (bytes && bytes.length > this.maxBytes) this.maxBytes = bytes.length;
    if (d.note) this.notes.set(d.note, (this.notes.get(d.note) ?? 0) + 1);
    switch (d.encoding) {
      case 'json':
        this.json.observe(d.json, options);
        return d.json;
      case 'text': {
        const s = d.text ?? bytes!.toString('utf8');
        this.text.observe(s, options);
        return s;
      }
      case 'registry':
      case 'registry-apicurio': {
        let entry = this.registryIds.get(d.schemaId!);
        if (!entry) {
          entry = { count: 0, framing: d.encoding === 'registry' ? 'confluent' : 'apicurio', bodies: [] };
          this.registryIds.set(d.schemaId!, entry);
        }
        entry.count++;
        if (entry.bodies.length < BODIES_PER_SCHEMA) entry.bodies.push(Buffer.from(d.body!));
        return { schemaId: d.schemaId };
      }
      case 'binary': {
        const len = bytes!.length;
        if (this.binaryLengths.has(len) || this.binaryLengths.size < MAX_BINARY_LENGTHS) this.binaryLengths.set(len, (this.binaryLengths.get(len) ?? 0) + 1);
        return { base64: bytes!.subarray(0, 64).toString('base64') };
      }
      default:
        return null;
    }
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
    const key = this.key.add(record.key, this.options);
    const value = this.value.add(record.value, this.options);
    const headers: Record<string, string> = {};
    for (const name of Object.keys(record.headers)) {
      const raw = record.headers[name];
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
        const text = typeof v === 'string' ? v : decodeUtf8(v);
        if (text === undefined) {
          stats.binary++;
          continue;
        }
        stats.node.observe(text, this.options);
        headers[name] = text;
      }
    }
    this.offerExample({ partition: record.partition, offset: record.offset, key, value, headers });
  }

  /** Keeps the examples with the lowest (partition, offset): the same input gives the same examples. */
  private offerExample(example: Example): void {
    if (example.value === null) return;
    const before = (a: Example, b: Example) => a.partition < b.partition || (a.partition === b.partition && a.offset < b.offset);
    if (this.examples.length < this.maxExamples) {
      this.examples.push(example);
    } else if (before(example, this.examples[this.examples.length - 1]!)) {
      this.examples[this.examples.length - 1] = example;
    } else {
      return;
    }
    this.examples.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  }
}
