/**
 * Data products on disk: products/<name>/<version>/product.yaml (the spec, contract bundled) and
 * asyncapi.yaml (the same contract on its own, for tools). Reads validate against the published
 * JSON Schema (schemas/data-product.schema.json) and the consistency checks of the core.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, NotFoundError, type Diagnostic } from '../errors.js';
import { renderYaml } from '../core/contracts/asyncapi.js';
import { checkProduct, compareSemver, parseSemver, type DataProduct } from '../core/products/spec.js';
import { validateJson } from '../contracts/validate.js';
import { ensureDir, parseUserYaml, readUserFile, writeAtomic } from '../atomic-file.js';

export const PRODUCT_FILE = 'product.yaml';
export const CONTRACT_FILE = 'asyncapi.yaml';

let schema: unknown;
function productSchema(): unknown {
  schema ??= JSON.parse(readFileSync(new URL('../../schemas/data-product.schema.json', import.meta.url), 'utf8'));
  return schema;
}

export function productDir(productsDir: string, name: string, version: string): string {
  return join(productsDir, name, version);
}

/** Versions of a product on disk, oldest first. */
export function listVersions(productsDir: string, name: string): string[] {
  const dir = join(productsDir, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((v) => parseSemver(v) && existsSync(join(dir, v, PRODUCT_FILE)))
    .sort(compareSemver);
}

export function listProductNames(productsDir: string): string[] {
  if (!existsSync(productsDir)) return [];
  return readdirSync(productsDir).filter((n) => listVersions(productsDir, n).length > 0).sort();
}

/** Validates a parsed product: JSON Schema first, then the consistency checks. */
export function validateProduct(value: unknown, file: string): Diagnostic[] {
  const errors = validateJson(productSchema(), value).map((e): Diagnostic => ({ code: 'PRODUCT_SCHEMA', severity: 'error', message: e, file, path: e.split(' ')[0]!.replace(/^\//, '').replaceAll('/', '.') }));
  if (errors.length > 0) return errors;
  return checkProduct(value as DataProduct, file);
}

export function readProductFile(file: string): DataProduct {
  if (!existsSync(file)) throw new NotFoundError('PRODUCT_NOT_FOUND', `no data product at ${file}`, { hint: 'list the products with `zdp product list`' });
  const parsed = parseUserYaml(readUserFile(file, 'product file'), file, 'product file');
  if (parsed.errors.length > 0) {
    throw new ConfigError('PRODUCT_YAML', `${file} is not valid YAML`, { diagnostics: parsed.errors.map((message) => ({ code: 'YAML_SYNTAX', severity: 'error', message, file })) });
  }
  const value = parsed.value;
  const diagnostics = validateProduct(value, file);
  if (diagnostics.length > 0) throw new ConfigError('PRODUCT_INVALID', `${file} is not a valid data product (${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'})`, { diagnostics });
  return value as DataProduct;
}

export function readProduct(productsDir: string, name: string, version?: string): DataProduct {
  const versions = listVersions(productsDir, name);
  if (versions.length === 0) {
    const known = listProductNames(productsDir);
    throw new NotFoundError('PRODUCT_NOT_FOUND', `no data product named "${name}" in ${productsDir}`, { hint: known.length ? `products: ${known.join(', ')}` : 'create one with `zdp productize`' });
  }
  const v = version ?? versions[versions.length - 1]!;
  if (!versions.includes(v)) throw new NotFoundError('PRODUCT_VERSION_NOT_FOUND', `data product ${name} has no version ${v}`, { hint: `versions: ${versions.join(', ')}` });
  return readProductFile(join(productDir(productsDir, name, v), PRODUCT_FILE));
}

export function renderProduct(p: DataProduct): string {
  return `# Data product ${p.metadata.name} ${p.metadata.version}, written by zdp productize. Schema: schemas/data-product.schema.json\n${renderYaml(p)}`;
}

/** Writes a product version; returns the files written. */
export function writeProduct(productsDir: string, p: DataProduct): string[] {
  const dir = productDir(productsDir, p.metadata.name, p.metadata.version);
  ensureDir(dir, 'product directory');
  const productFile = join(dir, PRODUCT_FILE);
  const contractFile = join(dir, CONTRACT_FILE);
  writeAtomic(productFile, renderProduct(p));
  writeAtomic(contractFile, renderYaml(p.spec.contract));
  return [productFile, contractFile];
}
