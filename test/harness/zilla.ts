/** Validation of generated zilla.yaml against the Zilla JSON Schemas in ../shared/zilla (tests only). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2019Module from 'ajv/dist/2019.js';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';

const SHARED_ZILLA = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'zilla');

export type Ctor = new (o: object) => { compile(s: object): ((v: unknown) => boolean) & { errors?: unknown[] } };
export const Ajv2019 = ((Ajv2019Module as unknown as { default?: Ctor }).default ?? Ajv2019Module) as unknown as Ctor;
export const Ajv7 = ((AjvModule as unknown as { default?: Ctor }).default ?? AjvModule) as unknown as Ctor;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: unknown) => void;

/** Validates every namespace in a zilla.yaml, with ${{env.X}} replaced by plausible values (see shared/zilla/README.md). */
export function validateZilla(text: string, schemaFile: string, Ctor: Ctor): unknown[] {
  const ajv = new Ctor({ strict: false, unicodeRegExp: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(SHARED_ZILLA, schemaFile), 'utf8')));
  const substituted = text.replace(/\$\{\{\s*env\.([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => (name.endsWith('KEYS_URL') ? 'https://issuer.example/.well-known/jwks.json' : 'value'));
  const errors: unknown[] = [];
  for (const doc of parseAllDocuments(substituted, { uniqueKeys: true })) {
    expect(doc.errors).toEqual([]);
    if (!validate(doc.toJS())) errors.push(...(validate.errors ?? []));
  }
  return errors;
}

