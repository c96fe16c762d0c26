/** `zdp config validate`: zdp.yaml and the other layers, strictly; referenced secrets readable. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import type { Runtime } from '../../cli/runtime.js';
import { ConfigError } from '../../errors.js';
import type { ResolvedConfig } from '../../config/types.js';
import { referenceProblems, secretProblems } from './entries.js';

export interface ValidateOptions {
  secrets: boolean;
  config: ResolvedConfig;
}

export function parseValidateOptions(flags: { secrets: boolean }, rt: ParseContext): ValidateOptions {
  return { secrets: flags.secrets, config: rt.config() };
}

export function runValidate(options: ValidateOptions, rt: Pick<Runtime, 'env'>): View {
  const resolved = options.config;
  const references = referenceProblems(resolved);
  if (references.length > 0) {
    throw new ConfigError(references[0]!.code, `${references.length} reference${references.length === 1 ? '' : 's'} in the configuration lead${references.length === 1 ? 's' : ''} nowhere`, {
      diagnostics: references,
      hint: 'fix the paths (relative ones are relative to the file that wrote them) or the names listed above',
    });
  }
  const problems = options.secrets ? secretProblems(resolved, rt.env) : [];
  if (problems.length > 0) {
    throw new ConfigError('SECRET_UNSET', `${problems.length} referenced secret${problems.length === 1 ? ' is' : 's are'} not available`, {
      diagnostics: problems,
      hint: 'set the environment variables or create the files, or pass --no-secrets to check only the file',
    });
  }
  const names = Object.keys(resolved.clusters);
  const files = resolved.files.length > 0 ? resolved.files.join(', ') : 'no config files (built-in defaults only)';
  return {
    kind: 'ConfigValidation',
    data: { valid: true, files: resolved.files, clusters: names, defaultCluster: resolved.defaultCluster ?? null },
    text: `valid: ${files}; ${names.length} cluster profile${names.length === 1 ? '' : 's'}${names.length ? ` (${names.join(', ')})` : ''}${resolved.defaultCluster ? `; default ${resolved.defaultCluster}` : ''}`,
  };
}
