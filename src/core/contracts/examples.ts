/**
 * Examples for contracts without record data: made from the inferred schema (deterministic,
 * byte-stable), or, when asked for (`extract --examples sample`), real records with the values of
 * sensitive-looking fields and headers replaced. Contracts are committed and published, with their
 * products and docs; what a topic carries (tokens, e-mail addresses, card numbers) must not travel
 * with them unless someone asked for it. Pure.
 */
import { setOwn, type JsonSchema } from '../inference/json-infer.js';
import { schemaBranch, schemaTypes } from './schema-walk.js';

/** Fixed values per string format: documentation addresses (RFC 2606, RFC 5737), the nil-ish UUID of version 4. */
const FORMAT_EXAMPLES: Readonly<Record<string, string>> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  uuid: '00000000-0000-4000-8000-000000000000',
  email: 'user@example.com',
  uri: 'https://example.com/',
  ipv4: '192.0.2.1',
};

/** What replaces a sensitive value in a sampled example. */
export const REDACTED = '<redacted>';

const MAX_DEPTH = 32;

/** A value valid under the schema zdp inferred (its dialect: type, properties, items, additionalProperties, enum, format, anyOf). */
export function exampleFromSchema(schema: JsonSchema | undefined, depth = 0, freeString = 'string'): unknown {
  if (!schema || depth > MAX_DEPTH) return null;
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as JsonSchema[];
    return exampleFromSchema(branches.find((b) => !schemaTypes(b).has('null')) ?? branches[0], depth + 1, freeString);
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return (schema.enum as unknown[]).find((v) => v !== null) ?? null;
  const types = [...schemaTypes(schema)];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      for (const name of Object.keys(properties).sort()) setOwn(out, name, exampleFromSchema(properties[name], depth + 1, freeString));
      if (Object.keys(properties).length === 0 && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        out.key = exampleFromSchema(schema.additionalProperties as JsonSchema, depth + 1, freeString);
      }
      return out;
    }
    case 'array':
      return schema.items ? [exampleFromSchema(schema.items as JsonSchema, depth + 1, freeString)] : [];
    case 'string':
      return typeof schema.format === 'string' && FORMAT_EXAMPLES[schema.format] ? FORMAT_EXAMPLES[schema.format] : freeString;
    case 'integer':
      return 0;
    case 'number':
      return 0.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      // no type: any value is valid
      return freeString;
  }
}

/** Field and header names whose values are not for publishing. */
const SENSITIVE_NAME = /authori[sz]ation|token|secret|passw|pwd|credential|api[-_]?key|private[-_]?key|^key$|cookie|session|e-?mail|phone|mobile|card|iban|account[-_]?number|ssn|cvv|signature/i;
/** Values that are sensitive whatever their field is called: e-mail addresses, bearer and basic credentials, JWTs, long opaque tokens. */
const SENSITIVE_VALUE = /[^\s@]+@[^\s@]+\.[^\s@]+|\b(?:bearer|basic)\s+\S+|\beyJ[\w-]+\.[\w-]+|\b(?:sk|pk|ghp|gho|xox[bap]|AKIA)[-_]?[A-Za-z0-9]{12,}|\b[A-Za-z0-9+/_]{32,}={0,2}/i;

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** The replacement for a sensitive value: made up from its schema, every free string the marker (a format, an enum or a number stays valid). */
function replacement(schema: JsonSchema | undefined): unknown {
  return schema ? exampleFromSchema(schema, 0, REDACTED) : REDACTED;
}

function propertySchema(schema: JsonSchema | undefined, name: string): JsonSchema | undefined {
  const object = schema && (schemaBranch(schema, 'object') ?? schema);
  const properties = (object?.properties ?? {}) as Record<string, JsonSchema>;
  return (Object.hasOwn(properties, name) ? properties[name] : undefined) ?? (typeof object?.additionalProperties === 'object' ? (object.additionalProperties as JsonSchema) : undefined);
}

function itemsSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  return (schema && (schemaBranch(schema, 'array') ?? schema))?.items as JsonSchema | undefined;
}

/**
 * A sampled value with what looks sensitive replaced: every value under a sensitive-looking name
 * (at any depth), and every string that looks like an e-mail address, a credential or a token.
 */
export function redact(value: unknown, schema: JsonSchema | undefined, depth = 0): unknown {
  if (depth > MAX_DEPTH) return null;
  if (typeof value === 'string') return SENSITIVE_VALUE.test(value) ? replacement(schema) : value;
  if (Array.isArray(value)) return value.map((v) => redact(v, itemsSchema(schema), depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      const s = propertySchema(schema, name);
      setOwn(out, name, isSensitiveName(name) && v !== null ? replacement(s) : redact(v, s, depth + 1));
    }
    return out;
  }
  return value;
}

/** Headers of a sampled record with sensitive ones replaced (header values are text). */
export function redactHeaders(headers: Record<string, string>, schema: JsonSchema | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(headers)) {
    const s = propertySchema(schema, name);
    setOwn(out, name, isSensitiveName(name) || SENSITIVE_VALUE.test(v) ? String(replacement(s)) : v);
  }
  return out;
}
