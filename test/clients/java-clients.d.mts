/** Types of java-clients.mjs for the TypeScript tests: what it collects has the workload checker's shapes. */
import type { Acked, Processed } from '../../src/demo/workload.js';

export class JavaClients {
  constructor(options: { java: string; libDir: string; bootstrap: string });
  readonly acked: Acked[];
  readonly processed: Processed[];
  readonly errors: string[];
  maxConsumeGapMs: number;
  maxAckGapMs: number;
  producer(topic: string, partitions: number, rate: number, firstSeq?: number): void;
  /** `bootstrap`: another address than the one given to the constructor (a fleet's other instance) */
  consumer(group: string, topics: string[], bootstrap?: string): void;
  stop(kind?: 'producer' | 'consumer'): Promise<void>;
}
