/** Types of java-clients.mjs for the TypeScript tests. */
export interface JavaAcked {
  topic: string;
  partition: number;
  seq: number;
  sentAt: number;
  ackedAt: number;
}

export interface JavaProcessed {
  group: string;
  topic: string;
  partition: number;
  seq: number;
  at: number;
  committed: boolean;
}

export class JavaClients {
  constructor(options: { java: string; libDir: string; bootstrap: string });
  readonly acked: JavaAcked[];
  readonly processed: JavaProcessed[];
  readonly errors: string[];
  maxConsumeGapMs: number;
  maxAckGapMs: number;
  producer(topic: string, partitions: number, rate: number, firstSeq?: number): void;
  consumer(group: string, topics: string[]): void;
  stop(kind?: 'producer' | 'consumer'): Promise<void>;
}
