/**
 * The fast AsyncAPI 3.0 check: the AsyncAPI 3.0.0 JSON Schema (from @asyncapi/specs, prepared as
 * @asyncapi/parser prepares it) compiled ahead of time into standalone ajv code at build time
 * (scripts/build-validators.mjs writes generated/asyncapi-3.0.0.cjs), plus the rules of the
 * parser's core 3.x ruleset and its reference resolution, written out here.
 *
 * Why not the parser itself: @asyncapi/parser builds new ajv instances for every document it
 * validates (spectral keys them by document), so each validation compiles the whole AsyncAPI
 * schema again: about 0.8 s per contract on a 2 vCPU machine, 2 s for the first one with the
 * parser's own load. The compiled schema loads in ~50 ms and validates in a few. `zdp product
 * lint` still runs the full parser, and a test holds the two to the same verdict on every
 * contract zdp writes and on broken variants of them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../errors.js';
import { resolvePointer } from '../core/contracts/schema-walk.js';

export const ASYNCAPI_VERSION = '3.0.0';

/** ajv options of @asyncapi/parser's (spectral's) document check, shared by build and fallback. */
export const AJV_OPTIONS = { allErrors: true, strict: false, allowUnionTypes: true, unicodeRegExp: false } as const;

interface AjvError { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }
interface CompiledValidator { (value: unknown): boolean; errors?: AjvError[] | null }

const require = createRequire(import.meta.url);
/** Package root: this file is src/contracts/*.ts or dist/contracts/*.js. */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GENERATED_VALIDATOR = join(packageRoot, 'generated', `asyncapi-${ASYNCAPI_VERSION}.cjs`);

/** The AsyncAPI 3.0.0 JSON Schema as the parser validates documents with it (a fresh copy). */
export function prepareAsyncApiSchema(): Record<string, unknown> {
  const specs = require('@asyncapi/specs') as { schemas: Record<string, unknown> };
  const schema = JSON.parse(JSON.stringify(specs.schemas[ASYNCAPI_VERSION])) as { definitions: Record<string, Record<string, unknown>> };
  // the meta schemas are ajv's own; the parser removes them the same way
  delete schema.definitions['http://json-schema.org/draft-07/schema'];
  delete schema.definitions['http://json-schema.org/draft-04/schema'];
  // the parser drops uri-reference from ReferenceObject: JSON Pointer segments such as [ ] are valid
  const reference = schema.definitions[`http://asyncapi.com/definitions/${ASYNCAPI_VERSION}/ReferenceObject.json`];
  if (reference?.format === 'uri-reference') delete reference.format;
  return schema;
}

let validator: CompiledValidator | undefined;

/** The compiled schema: the build's standalone code, or compiled here when the build has not made it. */
export function structureValidator(): CompiledValidator {
  if (validator) return validator;
  if (existsSync(GENERATED_VALIDATOR)) {
    validator = require(GENERATED_VALIDATOR) as CompiledValidator;
  } else {
    const Ajv = (require('ajv') as { default: new (o: object) => { compile(s: object): CompiledValidator } }).default;
    const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
    const ajv = new Ajv(AJV_OPTIONS);
    addFormats(ajv);
    validator = ajv.compile(prepareAsyncApiSchema());
  }
  return validator;
}

const pathOf = (pointer: string): string => pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');

/**
 * ajv's errors as the parser reports them: not the oneOf/anyOf wrappers nor the "$ref required"
 * of the Reference branch a value was never meant to be, and one error per place.
 */
function schemaDiagnostics(errors: AjvError[], file: string): Diagnostic[] {
  const kept = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && !(e.keyword === 'required' && e.params.missingProperty === '$ref'));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of kept.length > 0 ? kept : errors.slice(0, 1)) {
    const at = e.keyword === 'additionalProperties' ? `${e.instancePath}/${String(e.params.additionalProperty)}` : e.instancePath;
    if (seen.has(at)) continue;
    seen.add(at);
    const message =
      e.keyword === 'additionalProperties' ? `property "${String(e.params.additionalProperty)}" is not expected here`
      : e.keyword === 'enum' && Array.isArray(e.params.allowedValues) ? `must be one of: ${e.params.allowedValues.map(String).join(', ')}`
      : e.message ?? 'is invalid';
    out.push({ code: 'ASYNCAPI_ASYNCAPI_DOCUMENT_RESOLVED', severity: 'error', message: pathOf(at) ? message : `the document ${message}`, path: pathOf(at), file });
  }
  return out;
}

/** Every `$ref` in the document resolves (zdp writes only local references). */
function referenceDiagnostics(doc: unknown, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (value: unknown, path: string[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, String(i)]));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string') {
          if (!v.startsWith('#')) out.push({ code: 'ASYNCAPI_INVALID_REF', severity: 'error', message: `'${v}' is not a local reference; contracts zdp reads keep their schemas inside the document`, path: [...path, k].join('.'), file });
          else if (resolvePointer(doc, v) === undefined) out.push({ code: 'ASYNCAPI_INVALID_REF', severity: 'error', message: `'${v}' does not exist`, path: [...path, k].join('.'), file });
        } else walk(v, [...path, k]);
      }
    }
  };
  walk(doc, []);
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const refOf = (v: unknown): string | undefined => (isObj(v) && typeof v.$ref === 'string' ? v.$ref : undefined);

/** The rules of @asyncapi/parser's core 3.x ruleset (v3/ruleset.js), on the unresolved document. */
function v3RuleDiagnostics(doc: Obj, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const push = (rule: string, message: string, path: string) => out.push({ code: `ASYNCAPI_${rule.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`, severity: 'error', message, path, file });
  const channels = isObj(doc.channels) ? doc.channels : {};
  const servers = isObj(doc.servers) ? doc.servers : {};
  const channelOf = (v: unknown): Obj | undefined => {
    const ref = refOf(v);
    const c = ref ? resolvePointer(doc, ref) : v;
    return isObj(c) ? c : undefined;
  };
  const groups: [string, Obj][] = [['operations', isObj(doc.operations) ? doc.operations : {}]];
  const components = isObj(doc.components) ? doc.components : {};
  if (isObj(components.operations)) groups.push(['components.operations', components.operations]);
  for (const [where, operations] of groups) {
    for (const [id, op] of Object.entries(operations)) {
      if (!isObj(op)) continue;
      const channelRef = refOf(op.channel);
      if (where === 'operations' && channelRef !== undefined && !/#\/channels\//.test(channelRef)) {
        push('asyncapi3-required-operation-channel-unambiguity', `the channel of an operation must reference a channel under the root "channels" object, not ${channelRef}`, `${where}.${id}.channel.$ref`);
      }
      if (!Array.isArray(op.messages)) continue;
      op.messages.forEach((m, i) => {
        const ref = refOf(m);
        if (ref !== undefined && !ref.startsWith(`${channelRef}/messages`)) push('asyncapi3-operation-messages-from-referred-channel', 'Operation message does not belong to the specified channel.', `${where}.${id}.messages.${i}`);
      });
    }
  }
  for (const [id, channel] of Object.entries(channels)) {
    if (/[?#]/.test(id)) push('asyncapi3-channel-no-query-nor-fragment', `channel id ${id} must not contain "?" or "#"`, `channels.${id}`);
    if (!isObj(channel)) continue;
    if (Array.isArray(channel.servers)) {
      channel.servers.forEach((s, i) => {
        const ref = refOf(s);
        if (ref === undefined) return;
        if (!/#\/servers\//.test(ref)) push('asyncapi3-required-channel-servers-unambiguity', `a channel's servers must reference servers under the root "servers" object, not ${ref}`, `channels.${id}.servers.${i}.$ref`);
        else if (!isObj(servers[ref.replace(/^#\/servers\//, '')])) push('asyncapi3-channel-servers', `${ref} is not a server of the document`, `channels.${id}.servers.${i}`);
      });
    }
  }
  const channelGroups: [string, Obj][] = [['channels', channels]];
  if (isObj(components.channels)) channelGroups.push(['components.channels', components.channels]);
  for (const [where, group] of channelGroups) {
    for (const [id, raw] of Object.entries(group)) {
      const channel = channelOf(raw);
      if (!channel || typeof channel.address !== 'string') continue;
      const inAddress = new Set([...channel.address.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string));
      const declared = new Set(Object.keys(isObj(channel.parameters) ? channel.parameters : {}));
      for (const p of inAddress) if (!declared.has(p)) push('asyncapi3-channel-parameters', `parameter ${p} of the address is not defined in parameters`, `${where}.${id}.parameters`);
      for (const p of declared) if (!inAddress.has(p)) push('asyncapi3-channel-parameters', `parameter ${p} is not used in the address`, `${where}.${id}.parameters.${p}`);
    }
  }
  return out;
}

/** Structure, references and the core 3.x rules: the diagnostics with severity error the parser gives. */
export function structureDiagnostics(doc: Record<string, unknown>, file: string): Diagnostic[] {
  const validate = structureValidator();
  const out: Diagnostic[] = [];
  if (!validate(doc)) out.push(...schemaDiagnostics(validate.errors ?? [], file));
  out.push(...referenceDiagnostics(doc, file));
  out.push(...v3RuleDiagnostics(doc, file));
  return out;
}
