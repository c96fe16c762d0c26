/**
 * The import direction the command anatomy relies on: src/main.ts builds the program from
 * src/commands; commands use src/cli (Io, emit, flags, context); src/cli never imports a command or
 * the program, so there is no circle between them; and no command imports another noun's verb file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^(?:import|export) [^;]*? from '(\.[^']+)'/gm)].map((m) => relative(SRC, resolve(file, '..', m[1]!)).replace(/\.js$/, '.ts'));
}

describe('layering', () => {
  it('src/cli imports no command and not the program', () => {
    const bad = files(join(SRC, 'cli')).flatMap((f) => imports(f).filter((i) => i.startsWith('commands/') || i === 'main.ts').map((i) => `${relative(SRC, f)} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it('commands never import the program, and a verb file reaches other nouns only through their shared modules', () => {
    const bad = files(join(SRC, 'commands')).flatMap((f) =>
      imports(f)
        .filter((i) => i === 'main.ts' || (i.startsWith('commands/') && i.split('/')[1] !== relative(SRC, f).split('/')[1] && !i.endsWith('/shared.ts')))
        .map((i) => `${relative(SRC, f)} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('every verb file has a pure parse and a run', () => {
    const verbs = files(join(SRC, 'commands')).filter((f) => !/\/(index|shared|entries)\.ts$/.test(f));
    expect(verbs.length).toBeGreaterThanOrEqual(28);
    for (const f of verbs) {
      const text = readFileSync(f, 'utf8');
      expect(text, relative(SRC, f)).toMatch(/export function parse\w*Options\(/);
      expect(text, relative(SRC, f)).toMatch(/export (async )?function run\w*\(/);
      // a command writes only through its view: no direct stdout, no process.exit
      expect(text, relative(SRC, f)).not.toMatch(/process\.(stdout|exit)|console\./);
    }
  });

  it('loads no heavy module to print help: verb files are imported when their command runs', () => {
    // what `zdp --help` (and every command's parse) loads: the static import graph from src/main.ts
    const seen = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export) (?!type )[^;]*? from '([^']+)'|^import '([^']+)'/gm)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('.')) walk(resolve(file, '..', spec).replace(/\.js$/, '.ts'));
        else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    };
    walk(join(SRC, 'main.ts'));
    expect([...packages].sort()).toEqual(['chalk', 'commander', 'yaml']);
    expect([...seen].map((f) => relative(SRC, f)).filter((f) => /^(kafka|offsets|extract\/extract|migration|cutover|gateway|processes\/(?!kafka-dist))/.test(f))).toEqual([]);
  });

  it('src/core is pure: it imports only src/core, the error types and config types, and no network or terminal package', () => {
    const allowed = /^(core\/|errors\.ts$|config\/types\.ts$)/;
    const bad = files(join(SRC, 'core')).flatMap((f) => imports(f).filter((i) => !allowed.test(i)).map((i) => `${relative(SRC, f)} -> ${i}`));
    expect(bad).toEqual([]);
    const packages = files(join(SRC, 'core')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^import [^;]*? from '([^.][^']*)'/gm)].map((m) => `${relative(SRC, f)} -> ${m[1]}`));
    expect(packages.filter((p) => /-> (kafkajs|chalk|ora|inquirer|commander)$/.test(p))).toEqual([]);
  });

  it('kafkajs lives behind the adapter: no file outside src/kafka imports it (src/demo runs ordinary kafkajs applications on purpose), and services reach Kafka through kafka/cluster.ts', () => {
    const kafkajsOutside = files(SRC)
      .filter((f) => !/^(kafka|demo)\//.test(relative(SRC, f)))
      .filter((f) => /from 'kafkajs'|import\('kafkajs'\)|require\('kafkajs'\)/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(kafkajsOutside).toEqual([]);
    // the modules below take kafkajs objects: only the adapter calls them
    const internals = /^kafka\/(client|groups|reader|topics|acls|offset-commit)\.ts$/;
    const bad = files(SRC)
      .filter((f) => !/^(kafka|demo)\//.test(relative(SRC, f)))
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^import (?!type )[^;]*? from '(\.[^']+)'/gm)].map((m) => relative(SRC, resolve(f, '..', m[1]!)).replace(/\.js$/, '.ts')).filter((i) => internals.test(i)).map((i) => `${relative(SRC, f)} -> ${i}`));
    expect(bad).toEqual([]);
  });
});
