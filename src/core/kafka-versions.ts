/**
 * What Kafka release a KRaft cluster runs, read from its finalized `metadata.version` feature
 * level (MetadataVersion.java: IBP_x_y_IVn(level, "x.y", ...)). Pure.
 */

const METADATA_VERSIONS: ReadonlyArray<readonly [number, string]> = [
  [1, '3.0-IV1'], [2, '3.1-IV0'], [3, '3.2-IV0'], [4, '3.3-IV0'], [5, '3.3-IV1'], [6, '3.3-IV2'],
  [7, '3.3-IV3'], [8, '3.4-IV0'], [9, '3.5-IV0'], [10, '3.5-IV1'], [11, '3.5-IV2'], [12, '3.6-IV0'],
  [13, '3.6-IV1'], [14, '3.6-IV2'], [15, '3.7-IV0'], [16, '3.7-IV1'], [17, '3.7-IV2'], [18, '3.7-IV3'],
  [19, '3.7-IV4'], [20, '3.8-IV0'], [21, '3.9-IV0'], [22, '4.0-IV0'], [23, '4.0-IV1'], [24, '4.0-IV2'],
  [25, '4.0-IV3'], [26, '4.1-IV0'], [27, '4.1-IV1'], [28, '4.2-IV0'], [29, '4.2-IV1'], [30, '4.3-IV0'],
  [31, '4.4-IV0'], [32, '4.4-IV1'], [33, '4.4-IV2'], [34, '4.5-IV0'],
];
const BY_LEVEL = new Map(METADATA_VERSIONS);
const NEWEST = METADATA_VERSIONS[METADATA_VERSIONS.length - 1]!;

export interface KafkaRelease {
  /** e.g. "4.4" (the release line), or ">4.5" for a level newer than this table */
  release: string;
  /** e.g. "4.4-IV2" */
  metadataVersion: string;
  level: number;
}

export function releaseFromMetadataLevel(level: number): KafkaRelease | undefined {
  const name = BY_LEVEL.get(level);
  if (name) return { release: name.split('-')[0]!, metadataVersion: name, level };
  if (level > NEWEST[0]) return { release: `>${NEWEST[1].split('-')[0]}`, metadataVersion: `level ${level}`, level };
  return undefined;
}

/** Kafka protocol API names by key, for reports. */
export const API_NAMES: Readonly<Record<number, string>> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch',
  10: 'FindCoordinator', 11: 'JoinGroup', 12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup',
  15: 'DescribeGroups', 16: 'ListGroups', 17: 'SaslHandshake', 18: 'ApiVersions', 19: 'CreateTopics',
  20: 'DeleteTopics', 21: 'DeleteRecords', 22: 'InitProducerId', 23: 'OffsetForLeaderEpoch',
  24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn', 27: 'WriteTxnMarkers',
  28: 'TxnOffsetCommit', 29: 'DescribeAcls', 30: 'CreateAcls', 31: 'DeleteAcls', 32: 'DescribeConfigs',
  33: 'AlterConfigs', 34: 'AlterReplicaLogDirs', 35: 'DescribeLogDirs', 36: 'SaslAuthenticate',
  37: 'CreatePartitions', 38: 'CreateDelegationToken', 39: 'RenewDelegationToken',
  40: 'ExpireDelegationToken', 41: 'DescribeDelegationToken', 42: 'DeleteGroups', 43: 'ElectLeaders',
  44: 'IncrementalAlterConfigs', 45: 'AlterPartitionReassignments', 46: 'ListPartitionReassignments',
  47: 'OffsetDelete', 48: 'DescribeClientQuotas', 49: 'AlterClientQuotas',
  50: 'DescribeUserScramCredentials', 51: 'AlterUserScramCredentials', 55: 'DescribeQuorum',
  57: 'UpdateFeatures', 60: 'DescribeCluster', 61: 'DescribeProducers', 64: 'UnregisterBroker',
  65: 'DescribeTransactions', 66: 'ListTransactions', 68: 'ConsumerGroupHeartbeat',
  69: 'ConsumerGroupDescribe', 71: 'GetTelemetrySubscriptions', 72: 'PushTelemetry',
  74: 'ListClientMetricsResources', 75: 'DescribeTopicPartitions', 76: 'ShareGroupHeartbeat',
  77: 'ShareGroupDescribe', 78: 'ShareFetch', 79: 'ShareAcknowledge', 80: 'AddRaftVoter',
  81: 'RemoveRaftVoter', 83: 'InitializeShareGroupState', 84: 'ReadShareGroupState',
  85: 'WriteShareGroupState', 86: 'DeleteShareGroupState', 87: 'ReadShareGroupStateSummary',
  88: 'StreamsGroupHeartbeat', 89: 'StreamsGroupDescribe', 90: 'DescribeShareGroupOffsets',
  91: 'AlterShareGroupOffsets', 92: 'DeleteShareGroupOffsets',
};

export function apiName(key: number): string {
  return API_NAMES[key] ?? `Api${key}`;
}
