/**
 * Validates AsyncAPI documents, two ways with one verdict:
 * - `fast` (extract, productize): the AsyncAPI 3.0.0 JSON Schema compiled at build time, reference
 *   resolution and the parser's core 3.x rules (asyncapi-structure.ts); Protobuf payloads through
 *   @asyncapi/protobuf-schema-parser's own check. ~0.1 s.
 * - `parser` (`zdp product lint`): @asyncapi/parser with the Avro and Protobuf schema parsers
 *   registered. ~2 s for the first document, ~0.8 s for each further one (see asyncapi-structure.ts).
 * Both add what the parser does not check for 3.0 documents: Avro schemas with avsc, examples
 * against their JSON payload schema with ajv, header schemas being objects.
 */
import avsc from 'avsc';
import type { Diagnostic } from '../errors.js';
import { AVRO_SCHEMA_FORMAT } from '../core/contracts/asyncapi.js';
import { structureDiagnostics, structureValidator } from './asyncapi-structure.js';

export type ValidationEngine = 'fast' | 'parser';

type ParserLike = { validate(doc: string): Promise<{ code: string | number; severity: number; message: string; path: (string | number)[] }[]> };

let parserPromise: Promise<ParserLike> | undefined;

async function parser(): Promise<ParserLike> {
  parserPromise ??= (async () => {
    const { Parser } = await import('@asyncapi/parser');
    const { AvroSchemaParser } = await import('@asyncapi/avro-schema-parser');
    const { ProtoBuffSchemaParser } = (await import('@asyncapi/protobuf-schema-parser')) as unknown as { ProtoBuffSchemaParser: () => unknown };
    const p = new Parser({ ruleset: { core: true, recommended: false } } as never);
    p.registerSchemaParser(AvroSchemaParser());
    p.registerSchemaParser(ProtoBuffSchemaParser() as never);
    return p as unknown as ParserLike;
  })();
  return parserPromise;
}

/**
 * Loads the compiled schema now (~50 ms), before the caller connects and samples; a failure
 * surfaces where the validator is used.
 */
export function preloadValidator(): void {
  try {
    structureValidator();
  } catch {
    // reported by validateAsyncApi
  }
}

const SEVERITY: Record<number, Diagnostic['severity']> = { 0: 'error', 1: 'warning', 2: 'info', 3: 'info' };

/** Diagnostics for one document (text as written to disk); `file` names it in messages. */
export async function validateAsyncApi(text: string, doc: Record<string, unknown>, file: string, engine: ValidationEngine = 'fast'): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  if (engine === 'parser') {
    const p = await parser();
    for (const d of await p.validate(text)) {
      const severity = SEVERITY[d.severity] ?? 'info';
      if (d.code === 'asyncapi-latest-version') continue; // 3.0.0 on purpose
      out.push({ code: `ASYNCAPI_${String(d.code).toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`, severity, message: d.message, path: d.path.join('.'), file });
    }
  } else {
    out.push(...structureDiagnostics(doc, file), ...(await protobufDiagnostics(doc, file)));
  }
  out.push(...checkBeyondParser(doc, file));
  return out;
}

/** Protobuf payloads through the Protobuf schema parser's own check, as the parser would run it. */
async function protobufDiagnostics(doc: Record<string, unknown>, file: string): Promise<Diagnostic[]> {
  const messages = ((doc.components ?? {}) as { messages?: Record<string, { payload?: { schemaFormat?: unknown; schema?: unknown } }> }).messages ?? {};
  const protobuf = Object.entries(messages).filter(([, m]) => typeof m.payload?.schemaFormat === 'string' && m.payload.schemaFormat.startsWith('application/vnd.google.protobuf'));
  if (protobuf.length === 0) return [];
  const { ProtoBuffSchemaParser } = (await import('@asyncapi/protobuf-schema-parser')) as unknown as { ProtoBuffSchemaParser: () => { validate(input: object): Promise<{ message: string; path?: (string | number)[] }[]> } };
  const p = ProtoBuffSchemaParser();
  const out: Diagnostic[] = [];
  for (const [id, m] of protobuf) {
    const path = ['components', 'messages', id, 'payload'];
    // the Protobuf parser's check reads only the schema text and the path
    for (const r of await p.validate({ data: m.payload!.schema, path })) {
      out.push({ code: 'ASYNCAPI_PROTOBUF_INVALID', severity: 'error', message: r.message, path: (r.path ?? path).join('.'), file });
    }
  }
  return out;
}

/** The checks @asyncapi/parser skips for 3.0 documents. */
export function checkBeyondParser(doc: Record<string, unknown>, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const components = (doc.components ?? {}) as { messages?: Record<string, Record<string, unknown>>; schemas?: Record<string, unknown> };
  for (const [id, message] of Object.entries(components.messages ?? {})) {
    const path = `components.messages.${id}`;
    const payload = message.payload as Record<string, unknown> | undefined;
    if (payload && typeof payload.schemaFormat === 'string' && payload.schemaFormat.startsWith('application/vnd.apache.avro')) {
      if (payload.schemaFormat !== AVRO_SCHEMA_FORMAT && !/version=1\.(8\.2|9\.0)/.test(payload.schemaFormat)) {
        out.push({ code: 'AVRO_FORMAT_UNPARSED', severity: 'error', message: `${payload.schemaFormat} has no parser: use ${AVRO_SCHEMA_FORMAT}`, path: `${path}.payload.schemaFormat`, file });
      }
      try {
        avsc.Type.forSchema(payload.schema as avsc.Schema);
      } catch (e) {
        out.push({ code: 'AVRO_INVALID', severity: 'error', message: `Avro schema does not load: ${(e as Error).message}`, path: `${path}.payload.schema`, file });
      }
    }
    const headers = message.headers as Record<string, unknown> | undefined;
    if (headers && headers.type !== 'object') {
      out.push({ code: 'HEADERS_NOT_OBJECT', severity: 'error', message: 'headers must be an object schema', path: `${path}.headers`, file });
    }
    const examples = message.examples as { payload?: unknown; headers?: unknown }[] | undefined;
    if (examples && payload && typeof payload.$ref === 'string') {
      const name = payload.$ref.split('/').pop()!;
      const schema = components.schemas?.[name];
      if (schema) {
        for (const [i, example] of examples.entries()) {
          const errors = validateJson(schema, example.payload);
          for (const e of errors) out.push({ code: 'EXAMPLE_INVALID', severity: 'error', message: `example ${i + 1} does not match the payload schema: ${e}`, path: `${path}.examples.${i}.payload`, file });
          if (headers && example.headers !== undefined) {
            for (const e of validateJson(headers, example.headers)) out.push({ code: 'EXAMPLE_INVALID', severity: 'error', message: `example ${i + 1} headers: ${e}`, path: `${path}.examples.${i}.headers`, file });
          }
        }
      }
    }
  }
  const servers = (doc.servers ?? {}) as Record<string, { bindings?: { kafka?: { schemaRegistryUrl?: string } } }>;
  for (const [name, s] of Object.entries(servers)) {
    const url = s.bindings?.kafka?.schemaRegistryUrl;
    if (url && /\/\/[^/]*@/.test(url)) out.push({ code: 'REGISTRY_URL_CREDENTIALS', severity: 'error', message: 'the schema registry URL carries credentials', path: `servers.${name}.bindings.kafka.schemaRegistryUrl`, file });
  }
  return out;
}

// ajv and ajv-formats are CommonJS; under NodeNext their default export is the module object
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

interface AjvError { instancePath: string; message?: string }
interface AjvValidate { (value: unknown): boolean; errors?: AjvError[] | null }
interface AjvInstance { compile(schema: object): AjvValidate; getSchema(id: string): AjvValidate | undefined }
type AjvCtor = new (options: object) => AjvInstance;

const Ajv = ((AjvModule as unknown as { default?: AjvCtor }).default ?? AjvModule) as unknown as AjvCtor;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: AjvInstance) => void;
let ajv: AjvInstance | undefined;
const compiled = new WeakMap<object, AjvValidate>();

export function validateJson(schema: unknown, value: unknown): string[] {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(ajv);
  }
  let validate = compiled.get(schema as object);
  if (!validate) {
    const id = (schema as { $id?: unknown }).$id;
    try {
      validate = (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema as object);
    } catch (e) {
      // a schema that is not a JSON Schema: the structure check names it; nothing to match against
      return [`the payload schema does not compile (${(e as Error).message})`];
    }
    compiled.set(schema as object, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}
