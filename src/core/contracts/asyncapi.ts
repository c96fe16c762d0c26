/**
 * Renders a topic's contract model as an AsyncAPI 3.0.0 document with Kafka bindings 0.5.0.
 * Pure and byte-stable: keys sorted, ids derived from topic and group names, no timestamps,
 * offsets, sample counts or registry ids.
 */
import { stringify } from 'yaml';
import { sortKeys, type JsonSchema } from '../inference/json-infer.js';
import { idFromTopic, pascal, type PayloadModel, type ServerModel, type TopicModel } from './model.js';
import { exampleFromSchema, redact, redactHeaders } from './examples.js';

export const ASYNCAPI_VERSION = '3.0.0';
export const KAFKA_BINDING_VERSION = '0.5.0';
export const AVRO_SCHEMA_FORMAT = 'application/vnd.apache.avro;version=1.9.0';
export const PROTOBUF_SCHEMA_FORMAT = 'application/vnd.google.protobuf;version=3';
export const JSON_SCHEMA_FORMAT = 'application/schema+json;version=draft-07';

/**
 * Examples in a contract: made from the schema (the default: no record data in files people publish),
 * sampled records with sensitive values replaced, or none.
 */
export const EXAMPLE_MODES = ['generated', 'sample', 'none'] as const;
export type ExampleMode = (typeof EXAMPLE_MODES)[number];

export interface RenderOptions {
  examples: ExampleMode;
}

type Doc = Record<string, unknown>;

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  text: 'text/plain',
  binary: 'application/octet-stream',
  AVRO: 'application/vnd.apache.avro+binary',
  JSON: 'application/json',
  PROTOBUF: 'application/x-protobuf',
};

/** Avro schema -> JSON Schema, for keys (binding 0.5.0 wants an AsyncAPI schema there). */
export function avroToJsonSchema(avro: unknown): JsonSchema {
  if (typeof avro === 'string') {
    switch (avro) {
      case 'null': return { type: 'null' };
      case 'boolean': return { type: 'boolean' };
      case 'int':
      case 'long': return { type: 'integer' };
      case 'float':
      case 'double': return { type: 'number' };
      case 'bytes': return { type: 'string', format: 'binary' };
      case 'string': return { type: 'string' };
      default: return { description: `Avro named type ${avro}` };
    }
  }
  if (Array.isArray(avro)) return { anyOf: avro.map(avroToJsonSchema) };
  const t = avro as { type?: unknown; fields?: { name: string; type: unknown; default?: unknown }[]; items?: unknown; values?: unknown; symbols?: string[]; logicalType?: string };
  switch (t.type) {
    case 'record': {
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const f of t.fields ?? []) {
        properties[f.name] = avroToJsonSchema(f.type);
        if (!('default' in f)) required.push(f.name);
      }
      return { type: 'object', properties, ...(required.length ? { required: required.sort() } : {}) };
    }
    case 'array': return { type: 'array', items: avroToJsonSchema(t.items) };
    case 'map': return { type: 'object', additionalProperties: avroToJsonSchema(t.values) };
    case 'enum': return { type: 'string', enum: [...(t.symbols ?? [])].sort() };
    case 'fixed': return { type: 'string', format: 'binary' };
    default: return avroToJsonSchema(t.type);
  }
}

function payloadFor(p: PayloadModel, schemaName: string, schemas: Record<string, unknown>): unknown {
  switch (p.kind) {
    case 'json':
    case 'text':
      schemas[schemaName] = p.schema;
      return { $ref: `#/components/schemas/${schemaName}` };
    case 'binary':
      schemas[schemaName] = { type: 'string', format: 'binary' };
      return { $ref: `#/components/schemas/${schemaName}` };
    case 'registry':
      if (p.schemaType === 'AVRO') return { schemaFormat: AVRO_SCHEMA_FORMAT, schema: p.schema };
      if (p.schemaType === 'PROTOBUF') return { schemaFormat: PROTOBUF_SCHEMA_FORMAT, schema: p.schema };
      return { schemaFormat: JSON_SCHEMA_FORMAT, schema: p.schema };
    default:
      return undefined;
  }
}

function keySchemaFor(p: PayloadModel): unknown {
  switch (p.kind) {
    case 'json':
    case 'text':
      return p.schema;
    case 'binary':
      return { type: 'string', format: 'binary' };
    case 'registry':
      if (p.schemaType === 'AVRO') return { ...avroToJsonSchema(p.schema), 'x-zdp-avro-schema': p.schema };
      if (p.schemaType === 'JSON') return p.schema;
      return { type: 'string', format: 'binary', description: 'Protobuf (see x-zdp-key-schema)' };
    case 'registry-unresolved':
      return { type: 'string', format: 'binary', description: `registry-framed key: ${p.reason}` };
    default:
      return undefined;
  }
}

function contentType(p: PayloadModel): string | undefined {
  if (p.kind === 'registry') return CONTENT_TYPES[p.schemaType];
  if (p.kind === 'registry-unresolved') return 'application/octet-stream';
  if (p.kind === 'none') return undefined;
  return CONTENT_TYPES[p.kind];
}

export function topicConfiguration(model: TopicModel): Record<string, unknown> {
  const c = model.config;
  const out: Record<string, unknown> = { 'cleanup.policy': [...c.cleanupPolicy].sort() };
  if (c.retentionMs !== undefined) out['retention.ms'] = c.retentionMs;
  if (c.retentionBytes !== undefined) out['retention.bytes'] = c.retentionBytes;
  if (c.deleteRetentionMs !== undefined) out['delete.retention.ms'] = c.deleteRetentionMs;
  if (c.maxMessageBytes !== undefined) out['max.message.bytes'] = c.maxMessageBytes;
  return out;
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}${i}`;
  taken.add(id);
  return id;
}

export function buildAsyncApiDocument(model: TopicModel, server: ServerModel, options: RenderOptions): Doc {
  const channelId = idFromTopic(model.topic);
  const name = pascal(channelId);
  const messageId = `${channelId}Message`;
  const schemas: Record<string, unknown> = {};
  const securitySchemes: Record<string, unknown> = {};

  const serverDoc: Doc = { host: server.host, protocol: server.protocol };
  if (server.security) {
    securitySchemes[server.security] = { type: server.security };
    serverDoc.security = [{ $ref: `#/components/securitySchemes/${server.security}` }];
  }
  if (server.schemaRegistryUrl) {
    serverDoc.bindings = { kafka: { schemaRegistryUrl: server.schemaRegistryUrl, schemaRegistryVendor: server.schemaRegistryVendor ?? 'confluent', bindingVersion: KAFKA_BINDING_VERSION } };
  }

  const message: Doc = { name: messageId, title: `${model.topic} record` };
  const payload = payloadFor(model.value, `${name}Payload`, schemas);
  if (payload !== undefined) message.payload = payload;
  const ct = contentType(model.value);
  if (ct) message.contentType = ct;
  if (model.value.kind === 'none') message.description = model.value.reason;
  if (model.value.kind === 'registry-unresolved') message.description = `Registry-framed values whose schema could not be read: ${model.value.reason}`;
  if (model.headers) message.headers = model.headers;
  const messageBinding: Doc = { bindingVersion: KAFKA_BINDING_VERSION };
  const key = keySchemaFor(model.key);
  if (key !== undefined) messageBinding.key = key;
  if (model.value.kind === 'registry' || model.value.kind === 'registry-unresolved') {
    messageBinding.schemaIdLocation = 'payload';
    messageBinding.schemaIdPayloadEncoding = model.value.framing === 'confluent' ? 'confluent' : 'apicurio-new';
    if (model.subjectNamingStrategy) messageBinding.schemaLookupStrategy = model.subjectNamingStrategy;
  }
  message.bindings = { kafka: messageBinding };
  if (model.value.kind === 'registry' && model.value.subject) {
    message['x-zdp-schema'] = { subject: model.value.subject, version: model.value.version, schemaType: model.value.schemaType, ...(model.value.compatibility ? { compatibility: model.value.compatibility } : {}) };
  }
  if (model.key.kind === 'registry' && model.key.subject) {
    message['x-zdp-key-schema'] = { subject: model.key.subject, version: model.key.version, schemaType: model.key.schemaType, ...(model.key.schemaType === 'PROTOBUF' ? { schema: model.key.schema } : {}) };
  }
  if (model.value.kind === 'json' || model.value.kind === 'text') {
    const schema = model.value.schema;
    if (options.examples === 'generated') {
      message.examples = [{ name: 'generated', summary: 'made from the schema, not copied from a record', payload: exampleFromSchema(schema), ...(model.headers ? { headers: exampleFromSchema(model.headers) } : {}) }];
    } else if (options.examples === 'sample' && model.examples.length > 0) {
      message.examples = model.examples.map((e, i) => ({
        name: `sample${i + 1}`,
        summary: 'a sampled record, sensitive-looking values replaced',
        payload: redact(e.payload, schema),
        ...(e.headers && Object.keys(e.headers).length ? { headers: redactHeaders(e.headers, model.headers) } : {}),
      }));
    }
  }

  const channelBinding: Doc = {
    partitions: model.partitions,
    replicas: model.replicas,
    topicConfiguration: topicConfiguration(model),
    bindingVersion: KAFKA_BINDING_VERSION,
  };
  if (Object.keys(model.config.overrides).length > 0) channelBinding['x-zdp-configs'] = model.config.overrides;
  const channel: Doc = {
    address: model.topic,
    messages: { [messageId]: { $ref: `#/components/messages/${messageId}` } },
    bindings: { kafka: channelBinding },
  };
  if (model.notes.length > 0) channel['x-zdp-notes'] = [...model.notes].sort();

  const opIds = new Set<string>();
  const messageRef = [{ $ref: `#/channels/${channelId}/messages/${messageId}` }];
  const operations: Record<string, unknown> = {};
  const send = uniqueId(`produce${name}`, opIds);
  operations[send] = { action: 'send', channel: { $ref: `#/channels/${channelId}` }, messages: messageRef, summary: `Produce to ${model.topic}` };
  const receive = uniqueId(`consume${name}`, opIds);
  operations[receive] = { action: 'receive', channel: { $ref: `#/channels/${channelId}` }, messages: messageRef, summary: `Consume from ${model.topic}` };
  for (const group of [...model.groups].sort()) {
    const id = uniqueId(`consume${name}By${pascal(idFromTopic(group))}`, opIds);
    operations[id] = {
      action: 'receive',
      channel: { $ref: `#/channels/${channelId}` },
      messages: messageRef,
      summary: `Consumer group ${group}`,
      bindings: { kafka: { groupId: { type: 'string', enum: [group] }, bindingVersion: KAFKA_BINDING_VERSION } },
    };
  }

  const components: Doc = { messages: { [messageId]: message } };
  if (Object.keys(schemas).length > 0) components.schemas = schemas;
  if (Object.keys(securitySchemes).length > 0) components.securitySchemes = securitySchemes;

  return sortKeys({
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: model.topic,
      version: '1.0.0',
      description: `Contract of the Kafka topic ${model.topic}, extracted by zdp from sampled records and topic metadata.`,
    },
    defaultContentType: ct ?? 'application/octet-stream',
    servers: { [server.name]: serverDoc },
    channels: { [channelId]: channel },
    operations,
    components,
  });
}

/** Fixed YAML style: no folding, no anchors, LF, trailing newline. */
export function renderYaml(doc: unknown): string {
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false, indent: 2 });
}

export function renderJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
