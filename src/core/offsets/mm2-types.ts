/** MirrorMaker 2's offset syncs and checkpoints, as data (decoded by src/kafka/protocol/mm2-records.ts). */
export interface OffsetSync {
  topic: string;
  partition: number;
  upstream: bigint;
  downstream: bigint;
}

export interface Checkpoint {
  group: string;
  topic: string;
  partition: number;
  upstream: bigint;
  downstream: bigint;
  metadata: string;
}
