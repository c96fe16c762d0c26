/**
 * The version-neutral contract model `zdp extract` builds (topics, messages, schemas, groups),
 * rendered to AsyncAPI 3.0 by asyncapi.ts. Pure types and helpers.
 */
import type { JsonSchema } from '../inference/json-infer.js';

export type RegistrySchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

export type PayloadModel =
  | { kind: 'json'; schema: JsonSchema }
  | { kind: 'registry'; schemaType: RegistrySchemaType; schema: unknown; subject?: string; version?: number; compatibility?: string; framing: 'confluent' | 'apicurio' }
  | { kind: 'registry-unresolved'; framing: 'confluent' | 'apicurio'; reason: string }
  | { kind: 'text'; schema: JsonSchema }
  | { kind: 'binary' }
  | { kind: 'none'; reason: string };

export interface TopicConfigModel {
  cleanupPolicy: string[];
  retentionMs?: number;
  retentionBytes?: number;
  deleteRetentionMs?: number;
  maxMessageBytes?: number;
  /** other configs set on the topic itself (not broker defaults) */
  overrides: Record<string, string>;
}

export interface ServerModel {
  name: string;
  host: string;
  protocol: 'kafka' | 'kafka-secure';
  security?: 'plain' | 'scramSha256' | 'scramSha512' | 'X509';
  schemaRegistryUrl?: string;
  schemaRegistryVendor?: string;
}

export interface TopicModel {
  topic: string;
  partitions: number;
  replicas: number;
  config: TopicConfigModel;
  /** consumer groups with committed offsets on this topic */
  groups: string[];
  value: PayloadModel;
  key: PayloadModel;
  headers?: JsonSchema;
  /** subject naming strategy seen in the registry for this topic */
  subjectNamingStrategy?: 'TopicNameStrategy' | 'RecordNameStrategy' | 'TopicRecordNameStrategy';
  examples: { key?: unknown; payload: unknown; headers?: Record<string, string> }[];
  notes: string[];
}

/** Document ids from topic names: split at anything not a letter or digit, lower camel case. */
export function idFromTopic(topic: string): string {
  const parts = topic.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (parts.length === 0) return 'topic';
  const id = parts.map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1))).join('');
  return /^[0-9]/.test(id) ? `t${id}` : id;
}

export function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
