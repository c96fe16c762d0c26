/**
 * Which offsets to sample from each partition: a bounded window per partition, from the earliest
 * or latest records, or from a point in time. Pure.
 */

export type SampleFrom = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'time'; timestampMs: number };

export interface PartitionOffsets {
  partition: number;
  /** log start offset */
  low: bigint;
  /** high watermark (next offset to be written) */
  high: bigint;
  /** with SampleFrom time: the first offset at or after the time (high when none) */
  atTime?: bigint;
}

export interface PartitionWindow {
  partition: number;
  /** first offset to read */
  start: bigint;
  /** one past the last offset to read */
  end: bigint;
}

export function samplingWindows(offsets: readonly PartitionOffsets[], perPartition: number, from: SampleFrom): PartitionWindow[] {
  const n = BigInt(Math.max(0, Math.floor(perPartition)));
  return [...offsets]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => {
      let start: bigint;
      let end: bigint;
      if (from.kind === 'latest') {
        end = p.high;
        start = p.high - n > p.low ? p.high - n : p.low;
      } else {
        start = from.kind === 'time' ? (p.atTime ?? p.high) : p.low;
        if (start < p.low) start = p.low;
        end = start + n < p.high ? start + n : p.high;
      }
      return { partition: p.partition, start, end: end < start ? start : end };
    });
}

/** "earliest", "latest", an ISO time or epoch milliseconds. */
export function parseSampleFrom(value: string): SampleFrom | undefined {
  if (value === 'earliest') return { kind: 'earliest' };
  if (value === 'latest') return { kind: 'latest' };
  if (/^\d{10,}$/.test(value)) return { kind: 'time', timestampMs: Number(value) };
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : { kind: 'time', timestampMs: t };
}

/**
 * Glob patterns (`*`, `?`) for topic and group selection; a pattern without wildcards matches
 * exactly. Matched by the two-pointer wildcard walk (at most pattern × text steps, never the
 * exponential backtracking a regular expression of many `.*` can take).
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === text[t]))) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A matcher for one glob pattern. */
export function globMatcher(pattern: string): { test(text: string): boolean } {
  return { test: (text) => globMatch(pattern, text) };
}

export function selectTopics(all: readonly string[], include: readonly string[], exclude: readonly string[], includeInternal = false): { selected: string[]; unmatched: string[] } {
  const inc = include.map((p) => ({ p, re: globMatcher(p) }));
  const exc = exclude.map(globMatcher);
  const hits = new Set<string>();
  const matched = new Set<string>();
  for (const t of all) {
    if (!includeInternal && (t.startsWith('__') || t === '_schemas' || /[-.]internal$/.test(t))) {
      if (!inc.some((i) => i.p === t)) continue;
    }
    if (exc.some((re) => re.test(t))) continue;
    if (inc.length === 0) {
      hits.add(t);
      continue;
    }
    for (const i of inc) {
      if (i.re.test(t)) {
        hits.add(t);
        matched.add(i.p);
      }
    }
  }
  return { selected: [...hits].sort(), unmatched: inc.map((i) => i.p).filter((p) => !matched.has(p)) };
}

/** Groups zdp, Connect and the console tools create for themselves: never migrated. */
export const TOOL_GROUPS = [/^zdp-/, /^connect-/, /^console-consumer-/, /^__/, /^mm2-check/];

/** Groups matching any of the glob patterns; with none, every group but the tools' own. */
export function selectGroups(all: readonly string[], patterns: readonly string[]): string[] {
  const res = patterns.map(globMatcher);
  return all.filter((g) => (res.length === 0 ? !TOOL_GROUPS.some((re) => re.test(g)) : res.some((re) => re.test(g)))).sort();
}

/** What to read of one topic: windows of its partitions. */
export interface SampleRequest {
  topic: string;
  windows: PartitionWindow[];
}

/** Per-partition windows as a fetch takes them: one request per topic. */
export function windowsByTopic(windows: Iterable<{ topic: string; partition: number; start: bigint; end: bigint }>): SampleRequest[] {
  const byTopic = new Map<string, SampleRequest>();
  for (const w of windows) {
    const r = byTopic.get(w.topic) ?? byTopic.set(w.topic, { topic: w.topic, windows: [] }).get(w.topic)!;
    r.windows.push({ partition: w.partition, start: w.start, end: w.end });
  }
  return [...byTopic.values()];
}
