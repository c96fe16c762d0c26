/** `zdp version` (also `zdp --version`, `-V`): zdp's version and where it runs. */
import type { View } from '../../cli/emit.js';
import { ZDP_VERSION } from '../../version.js';

export function parseVersionOptions(): Record<string, never> {
  return {};
}

export function runVersion(): View {
  return {
    kind: 'Version',
    // the envelope's zdpVersion is the version itself
    data: { node: process.versions.node, platform: `${process.platform}-${process.arch}` },
    text: ZDP_VERSION,
  };
}
