/**
 * The shapes of sampled records and of a sampling run, shared by the window reader
 * (src/kafka/reader.ts) and everything that consumes what it reads.
 */
import type { DecodedRecord } from './protocol/record-batch.js';

/** Record headers by name; a name sent more than once has all its values, in order. */
export type RecordHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** A record read from a window: what zdp's decoder gives, with headers by name. */
export type SampledRecord = Omit<DecodedRecord, 'headers'> & { headers: RecordHeaders };

export type { SampleRequest } from '../core/sampling.js';

export interface SampleOutcome {
  /** records read per topic */
  read: Map<string, number>;
  /** partitions whose window was not read to the end, per topic */
  incomplete: Map<string, number[]>;
  timedOut: boolean;
  durationMs: number;
  /** from the first record handed over to the last: the reading rate without group joins */
  readMs: number;
}
