/** Plain text tables for terminals and logs: padded columns, no borders. */

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], style?: { header?: (s: string) => string }): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[i]! - visibleLength(c)))))
      .join('  ')
      .trimEnd();
  const head = line(headers);
  return [style?.header ? style.header(head) : head, ...rows.map(line)].join('\n');
}

/** Key/value lines: "key   value". */
export function renderPairs(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}
