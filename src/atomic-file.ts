/** Writes a file whole or not at all: a temporary file beside it, renamed over it. */
import { renameSync, writeFileSync } from 'node:fs';

export function writeAtomic(file: string, content: string, mode?: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, mode === undefined ? undefined : { mode });
  renameSync(tmp, file);
}
