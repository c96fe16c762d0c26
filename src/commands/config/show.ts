/** `zdp config show`: the merged configuration with the source of each value; secrets never printed. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import type { Runtime } from '../../cli/runtime.js';
import type { ResolvedConfig } from '../../config/types.js';
import { configEntries } from './entries.js';

export interface ShowOptions {
  config: ResolvedConfig;
}

export function parseShowOptions(rt: ParseContext): ShowOptions {
  return { config: rt.config() };
}

export function runShow(options: ShowOptions, rt: Pick<Runtime, 'env'>): View {
  const entries = configEntries(options.config, rt.env);
  return {
    kind: 'Config',
    data: { files: options.config.files, entries },
    text: (io) => {
      const width = Math.max(...entries.map((e) => e.key.length));
      const valueWidth = Math.min(60, Math.max(...entries.map((e) => String(e.value).length)));
      return entries.map((e) => `${e.key.padEnd(width)}  ${String(e.value).padEnd(valueWidth)}  ${io.outColor.dim(`# ${e.origin}`)}`).join('\n');
    },
  };
}
