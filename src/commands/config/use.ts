/**
 * `zdp config use <profile>`: the cluster commands use when none is named, kept in the project's
 * zdp.yaml as `defaultCluster` (comments and layout of the file are kept). As `rpk profile use`.
 */
import { relative } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseName } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { readUserFile, writeAtomic } from '../../atomic-file.js';
import { getCluster } from '../../config/load.js';
import { ConfigError, UsageError } from '../../errors.js';

export interface UseOptions {
  /** the profile; undefined with --clear */
  profile: string | undefined;
  file: string;
  dryRun: boolean;
}

export function parseUseOptions(profile: string | undefined, flags: { clear: boolean; dryRun: boolean }, rt: ParseContext): UseOptions {
  if (profile === undefined && !flags.clear) throw new UsageError('name the profile to use, or pass --clear', { code: 'USE_ARGS', hint: 'for example: zdp config use prod' });
  if (profile !== undefined && flags.clear) throw new UsageError('give a profile or --clear, not both', { code: 'USE_ARGS' });
  const config = rt.config();
  if (profile !== undefined) getCluster(config, parseName(profile, '<profile>', 'profile'));
  if (!config.projectFile) {
    throw new ConfigError('CONFIG_NOT_FOUND', 'there is no zdp.yaml here or in a parent directory to keep the default in', {
      hint: 'create one with `zdp init`, or name it with --config <file>; ZDP_DEFAULT_CLUSTER=<profile> sets a default without a file',
    });
  }
  return { profile, file: config.projectFile, dryRun: flags.dryRun };
}

export function runUse(options: UseOptions, rt: Pick<Runtime, 'cwd'>): View {
  const shown = relative(rt.cwd, options.file) || options.file;
  const source = readUserFile(options.file, 'zdp.yaml');
  const doc = parseDocument(source);
  const before = doc.get('defaultCluster');
  const previous = typeof before === 'string' ? before : null;
  if (options.profile === undefined) doc.delete('defaultCluster');
  else if (doc.has('defaultCluster') || !isMap(doc.contents)) doc.set('defaultCluster', options.profile);
  else {
    // right after kind (or apiVersion), where a reader of the file looks first
    const items = doc.contents.items;
    const at = Math.max(...['kind', 'apiVersion'].map((k) => items.findIndex((p) => isScalar(p.key) && p.key.value === k)));
    (items as unknown[]).splice(at + 1, 0, doc.createPair('defaultCluster', options.profile));
  }
  const changed = previous !== (options.profile ?? null);
  if (changed && !options.dryRun) writeAtomic(options.file, doc.toString({ lineWidth: 0 }));
  const was = previous ? ` (was ${previous})` : '';
  let text: string;
  if (options.profile === undefined) text = !changed ? `no default cluster is set in ${shown}` : `${options.dryRun ? 'would clear' : 'cleared'} the default cluster${was} in ${shown}`;
  else text = !changed ? `${options.profile} is already the default cluster in ${shown}` : `${options.dryRun ? 'would set' : 'set'} the default cluster to ${options.profile} in ${shown}${was}`;
  return {
    kind: 'ConfigUse',
    data: { file: options.file, defaultCluster: options.profile ?? null, previous, changed, dryRun: options.dryRun },
    text,
    ...(options.profile !== undefined && changed && !options.dryRun ? { notes: [`commands that take one cluster now use ${options.profile} when none is named; ZDP_DEFAULT_CLUSTER and --set defaultCluster=<name> override it`] } : {}),
  };
}
