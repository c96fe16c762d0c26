/**
 * The shapes of sampled records and of a sampling run, shared by the window reader
 * (src/kafka/reader.ts) and everything that consumes what it reads.
 */
import type { IHeaders } from 'kafkajs';
import type { PartitionWindow } from '../core/sampling.js';
import type { DecodedRecord } from './protocol/record-batch.js';

/** A record read from a window: what zdp's decoder gives, with headers typed as kafkajs gives them. */
export type SampledRecord = Omit<DecodedRecord, 'headers'> & { headers: IHeaders };

export interface SampleRequest {
  topic: string;
  windows: PartitionWindow[];
}

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
