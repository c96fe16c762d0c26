/**
 * The replication drain's view of the source's ends, as a pure comparison. A check reads the
 * source's ends while it looks for the tails of ends read before (the freeze's, then the last
 * check's): the tails it found are the source's only when both reads agree.
 */

/** partition key -> end offset (as the journal keeps it, a decimal string) */
export type Ends = Readonly<Record<string, string>>;

export interface SourceView {
  /** the source holds still: this read equals the freeze's, or the check's before */
  stable: boolean;
  /** the tails looked for are this read's (the source did not move since the ends they came from) */
  current: boolean;
}

export function sourceView(now: Ends, frozen: Ends, previous: Ends | undefined, looked: Ends): SourceView {
  const same = (a: Ends, b: Ends) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const equalsOn = (other: Ends) => Object.entries(now).every(([k, v]) => other[k] === v);
  return { stable: equalsOn(frozen) || (previous !== undefined && equalsOn(previous)), current: same(now, looked) };
}
