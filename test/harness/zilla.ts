/**
 * Validation of generated zilla.yaml (tests only). Every config is checked against zdp's own schema
 * (schemas/zilla-zdp.schema.json, written from Zilla's documented configuration for the bindings zdp
 * emits). Where the upstream Zilla JSON Schemas exist beside the clone (../shared/zilla, as in CI), the
 * config is checked against them too; a fresh clone has no ../shared, and the run says which checks ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2019Module from 'ajv/dist/2019.js';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..');
const SHARED_ZILLA = resolve(REPO, '..', 'shared', 'zilla');
const OWN_SCHEMA = join(REPO, 'schemas', 'zilla-zdp.schema.json');

type Ctor = new (o: object) => { compile(s: object): ((v: unknown) => boolean) & { errors?: unknown[] } };
const Ajv2019 = ((Ajv2019Module as unknown as { default?: Ctor }).default ?? Ajv2019Module) as unknown as Ctor;
const Ajv7 = ((AjvModule as unknown as { default?: Ctor }).default ?? AjvModule) as unknown as Ctor;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: unknown) => void;

/** Which schemas a check used: zdp's own always, the upstream Zilla one where ../shared/zilla exists. */
export interface ZillaCheck {
  schemas: string[];
  errors: unknown[];
}

const UPSTREAM = { 2: { file: 'zilla.schema.json', ctor: Ajv2019 }, 1: { file: 'zilla-1.3.1.schema.json', ctor: Ajv7 } } as const;
const compiled = new Map<string, (v: unknown) => boolean>();
let announced = false;

function validator(file: string, Ctor: Ctor): ((v: unknown) => boolean) & { errors?: unknown[] } {
  let v = compiled.get(file);
  if (!v) {
    const ajv = new Ctor({ strict: false, unicodeRegExp: false, allErrors: true });
    addFormats(ajv);
    v = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
    compiled.set(file, v);
  }
  return v as ((v: unknown) => boolean) & { errors?: unknown[] };
}

export function upstreamZillaSchemaAvailable(): boolean {
  return existsSync(join(SHARED_ZILLA, UPSTREAM[2].file));
}

/**
 * Validates every namespace in a zilla.yaml for Zilla `major` (2 or 1), with ${{env.X}} replaced by
 * plausible values (as Zilla substitutes them before its second check).
 */
export function validateZilla(text: string, major: 1 | 2 = 2): ZillaCheck {
  const checks: { name: string; validate: ((v: unknown) => boolean) & { errors?: unknown[] } }[] = [{ name: 'zdp schemas/zilla-zdp.schema.json', validate: validator(OWN_SCHEMA, Ajv7) }];
  const upstream = UPSTREAM[major];
  if (existsSync(join(SHARED_ZILLA, upstream.file))) checks.push({ name: `upstream Zilla ${upstream.file}`, validate: validator(join(SHARED_ZILLA, upstream.file), upstream.ctor) });
  if (!announced) {
    announced = true;
    console.info(`zilla.yaml checks: ${checks.map((c) => c.name).join(' and ')}${checks.length === 1 ? ' (no ../shared/zilla beside this clone: the upstream check does not run)' : ''}`);
  }
  const substituted = text.replace(/\$\{\{\s*env\.([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => (name.endsWith('KEYS_URL') ? 'https://issuer.example/.well-known/jwks.json' : 'value'));
  const errors: unknown[] = [];
  for (const doc of parseAllDocuments(substituted, { uniqueKeys: true })) {
    expect(doc.errors).toEqual([]);
    const value = doc.toJS();
    for (const c of checks) if (!c.validate(value)) errors.push(...(c.validate.errors ?? []).map((e) => ({ schema: c.name, ...(e as object) })));
  }
  return { schemas: checks.map((c) => c.name), errors };
}
