/**
 * Strict decoding of one YAML config text against the spec in schema.ts. Pure: text in, value,
 * per-key origins and diagnostics out. Diagnostics name the file, line, column and key; they never
 * echo source lines, which could hold credentials.
 */
import { controlCharacter } from '../core/names.js';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Diagnostic } from '../errors.js';
import { closest } from '../core/suggest.js';
import { configSpec, KNOWN_API_VERSIONS, type Spec } from './schema.js';

export type PlainValue = string | number | boolean | PlainValue[] | { [key: string]: PlainValue };
export type PlainObject = { [key: string]: PlainValue };

export interface DecodedLayer {
  value: PlainObject;
  /** dotted path -> "file:line" for every leaf value */
  origins: Map<string, string>;
  diagnostics: Diagnostic[];
}

export function decodeConfigText(text: string, file: string, spec: Spec = configSpec): DecodedLayer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const diagnostics: Diagnostic[] = [];
  const origins = new Map<string, string>();
  const where = (offset: number | undefined): { line?: number; column?: number } => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  for (const error of doc.errors) {
    const pos = where(error.pos[0]);
    diagnostics.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `malformed YAML (${error.code.toLowerCase().replaceAll('_', ' ')})${pos.line ? ` at line ${pos.line}, column ${pos.column}` : ''}`,
      file,
      ...pos,
    });
  }
  if (diagnostics.length > 0) return { value: {}, origins, diagnostics };
  if (doc.contents === null) return { value: {}, origins, diagnostics };

  const diag = (node: Node | null | undefined, path: string[], code: string, message: string, severity: Diagnostic['severity'] = 'error') => {
    diagnostics.push({ code, severity, message, path: path.join('.'), file, ...where(node?.range?.[0]) });
  };

  const walk = (node: Node | null, s: Spec, path: string[]): PlainValue | undefined => {
    const key = path.join('.');
    if (node === null || (isScalar(node) && node.value === null)) {
      diag(node, path, 'CONFIG_EMPTY', `${key} has no value`);
      return undefined;
    }
    if (isAlias(node)) {
      diag(node, path, 'CONFIG_ALIAS', `${key}: YAML aliases are not supported in zdp config`);
      return undefined;
    }
    switch (s.type) {
      case 'inlineSecret': {
        diag(node, path, 'CONFIG_INLINE_SECRET', `${key}: secrets are never written inline in config; use ${s.use}`);
        return undefined;
      }
      case 'string': {
        if (!isScalar(node) || typeof node.value === 'object') {
          diag(node, path, 'CONFIG_TYPE', `${key} must be a string`);
          return undefined;
        }
        const v = String(node.value);
        const control = controlCharacter(v);
        if (control) {
          // the value would reach properties, JAAS and YAML files zdp writes: refused, never echoed
          diag(node, path, 'CONFIG_CONTROL_CHARACTER', `${key} holds the control character ${control}: line breaks and other control characters are not allowed in config values`);
          return undefined;
        }
        if (s.enum && !s.enum.includes(v)) {
          const guess = closest(v, s.enum);
          diag(node, path, 'CONFIG_ENUM', `${key} must be one of ${s.enum.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`);
          return undefined;
        }
        if (s.pattern && !s.pattern.test(v)) {
          diag(node, path, 'CONFIG_FORMAT', `${key} must be ${s.patternHint ?? `like ${s.pattern}`}`);
          return undefined;
        }
        origins.set(key, `${file}:${where(node.range?.[0]).line ?? '?'}`);
        return v;
      }
      case 'integer': {
        if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
          diag(node, path, 'CONFIG_TYPE', `${key} must be a whole number`);
          return undefined;
        }
        if ((s.min !== undefined && node.value < s.min) || (s.max !== undefined && node.value > s.max)) {
          diag(node, path, 'CONFIG_RANGE', `${key} must be between ${s.min} and ${s.max}`);
          return undefined;
        }
        origins.set(key, `${file}:${where(node.range?.[0]).line ?? '?'}`);
        return node.value;
      }
      case 'boolean': {
        if (!isScalar(node) || typeof node.value !== 'boolean') {
          diag(node, path, 'CONFIG_TYPE', `${key} must be true or false`);
          return undefined;
        }
        origins.set(key, `${file}:${where(node.range?.[0]).line ?? '?'}`);
        return node.value;
      }
      case 'stringList': {
        let items: { node: Node; value: string }[] = [];
        if (isScalar(node) && typeof node.value === 'string') {
          items = node.value
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v.length > 0)
            .map((value) => ({ node, value }));
        } else if (isSeq(node)) {
          for (const item of node.items) {
            if (!isScalar(item) || typeof item.value === 'object') {
              diag(item as Node, path, 'CONFIG_TYPE', `${key} must be a list of strings`);
              return undefined;
            }
            items.push({ node: item, value: String(item.value) });
          }
        } else {
          diag(node, path, 'CONFIG_TYPE', `${key} must be a list of strings`);
          return undefined;
        }
        if (items.length === 0) {
          diag(node, path, 'CONFIG_EMPTY', `${key} must not be empty`);
          return undefined;
        }
        for (const item of items) {
          const control = controlCharacter(item.value);
          if (control) {
            diag(item.node, path, 'CONFIG_CONTROL_CHARACTER', `${key} holds the control character ${control}: line breaks and other control characters are not allowed in config values`);
            return undefined;
          }
          if (s.itemPattern && !s.itemPattern.test(item.value)) {
            diag(item.node, path, 'CONFIG_FORMAT', `${key}: "${item.value}" is not ${s.itemHint ?? 'valid'}`);
            return undefined;
          }
        }
        origins.set(key, `${file}:${where(node.range?.[0]).line ?? '?'}`);
        return items.map((i) => i.value);
      }
      case 'object':
      case 'map': {
        if (!isMap(node)) {
          diag(node, path, 'CONFIG_TYPE', `${key || 'the document'} must be a mapping`);
          return undefined;
        }
        const out: PlainObject = {};
        for (const pair of node.items) {
          const keyNode = pair.key as Node | null;
          if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
            diag(keyNode, path, 'CONFIG_KEY', `${key || 'the document'} has a key that is not a string`);
            continue;
          }
          const name = keyNode.value;
          const childPath = [...path, name];
          let childSpec: Spec | undefined;
          if (s.type === 'object') {
            childSpec = s.fields[name];
            if (!childSpec) {
              const known = Object.entries(s.fields)
                .filter(([, f]) => f.type !== 'inlineSecret')
                .map(([k]) => k);
              const guess = closest(name, known);
              diag(keyNode, childPath, 'CONFIG_UNKNOWN_KEY', `unknown key "${childPath.join('.')}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
              continue;
            }
          } else {
            if (s.keyPattern && !s.keyPattern.test(name)) {
              diag(keyNode, childPath, 'CONFIG_NAME', `"${name}" is not a valid name under ${key}: use ${s.keyHint ?? s.keyPattern}`);
              continue;
            }
            childSpec = s.values;
          }
          const v = walk(pair.value as Node | null, childSpec, childPath);
          if (v !== undefined) out[name] = v;
        }
        return out;
      }
    }
  };

  const value = walk(doc.contents as Node, spec, []);
  const result = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as PlainObject;
  if (spec === configSpec && diagnostics.length === 0) {
    const apiVersion = result.apiVersion;
    if (apiVersion === undefined) {
      diagnostics.push({ code: 'CONFIG_API_VERSION', severity: 'error', message: `apiVersion is missing: start the file with "apiVersion: ${KNOWN_API_VERSIONS[0]}"`, file, line: 1, column: 1 });
    } else if (!(KNOWN_API_VERSIONS as readonly string[]).includes(String(apiVersion))) {
      const newer = /^zdp\/v(\d+)/.exec(String(apiVersion));
      diagnostics.push({
        code: 'CONFIG_API_VERSION',
        severity: 'error',
        message: newer && Number(newer[1]) > 1
          ? `apiVersion ${apiVersion} is newer than this zdp understands (${KNOWN_API_VERSIONS.join(', ')}): upgrade zdp`
          : `apiVersion must be ${KNOWN_API_VERSIONS.join(' or ')}`,
        path: 'apiVersion',
        file,
        line: Number(origins.get('apiVersion')?.split(':').pop()) || 1,
      });
    }
  }
  return { value: result, origins, diagnostics };
}
