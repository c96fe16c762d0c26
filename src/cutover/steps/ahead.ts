/**
 * Offsets translated while the consumer drain waits for the slowest group: a group that has
 * committed everything it was delivered gets no more records, so its committed offsets are final.
 * They are translated (and the exact ones written on the target, where nothing reads them yet)
 * while the other groups drain and producers still flow; the last groups drained are translated
 * while the hold's first steps run (fence, freeze, drain, stop replication), and translate waits for
 * them. The hold checks every row against the offsets committed then (see translate and
 * write-offsets). An optimisation: a batch that fails, or a cutover resumed in another process,
 * is translated in the hold.
 */
import { requestsFor } from '../../core/cutover/ahead.js';
import { endOffsets, readCheckpoints, readOffsetSyncs, translateOffsets, type Side } from '../../offsets/translation.js';
import type { CutoverDeps, GroupResult } from '../types.js';
import { translationResults, within, writeGroupRows } from './shared.js';

/**
 * How far past a drained group's committed offset (and past twice the span on the target) the first
 * read looks: its next record is nearly always the committed offset itself (a transaction's marker
 * puts it one further). translateOffsets' default of 256 read 3-6x the records needed while
 * producers still write (up to 590 a partition on the target in a fleet benchmark run), decoded
 * and fingerprinted on the cutover's event loop while the hold's first steps waited for it; a
 * window that misses grows in the next round.
 */
const AHEAD_SLACK = 32n;

export class AheadTranslator {
  private readonly rows: GroupResult[] = [];
  private readonly started = new Set<string>();
  /**
   * the batches under way, side by side: each its own groups (a chain of them, one after another,
   * had the last groups drained, added just before the hold, translated 0.2-0.65 s after each batch
   * before them, and the hold's translate waited for that)
   */
  private readonly batches: Promise<void>[] = [];
  private anchors?: ReturnType<typeof readAnchors>;
  /** the writes under way: closing waits for them, never for a translation */
  private readonly writes = new Set<Promise<unknown>>();
  private closed = false;
  /** drained last, translated once the hold was asked for (see defer) */
  private readonly deferred = new Set<string>();

  constructor(
    private readonly source: Side,
    private readonly target: Side,
    private readonly topics: string[],
    private readonly log: (line: string) => void,
  ) {}

  /** Translates these groups (their committed offsets final), beside those already under way. */
  add(groups: readonly string[]): void {
    const fresh = groups.filter((g) => !this.started.has(g));
    if (fresh.length === 0 || this.closed) return;
    for (const g of fresh) this.started.add(g);
    this.anchors ??= readAnchors(this.source, this.target);
    this.batches.push(
      this.translate(fresh).catch((e: unknown) => {
        if (!this.closed) this.log(`note: ${fresh.join(', ')} not translated ahead of the hold (${(e as Error).message}); the hold translates ${fresh.length === 1 ? 'it' : 'them'}`);
      }),
    );
  }

  /**
   * These groups, the last drained, are translated once the producers' hold was asked for
   * (release()), not beside that request: their reads are decoded on the cutover's event loop,
   * which on a busy host then sent the fence's phase requests late (they reached the proxies
   * 0.4-1.1 s after the fence began in fleet benchmark runs, the filter in force 30-60 ms after).
   */
  defer(groups: readonly string[]): void {
    for (const g of groups) if (!this.started.has(g)) this.deferred.add(g);
  }

  /** The deferred groups are translated now (once; finish() does it too). */
  release(): void {
    const groups = [...this.deferred];
    this.deferred.clear();
    this.add(groups);
  }

  /** MirrorMaker 2's checkpoints and offset syncs as read when the drain began, if they were */
  get anchorsRead(): ReturnType<typeof readAnchors> | undefined {
    return this.anchors;
  }

  /** What was translated and written so far. */
  get written(): GroupResult[] {
    return [...this.rows];
  }

  /** Every translation started, finished (at most `timeoutMs`; then the rest writes nothing): what was translated and written. */
  async finish(timeoutMs: number): Promise<GroupResult[]> {
    this.release();
    await within(Promise.all(this.batches), timeoutMs, []);
    await this.close();
    return [...this.rows];
  }

  /** Stops: translations still running write nothing. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.writes].map((w) => w.catch(() => {})));
  }

  private async translate(groups: string[]): Promise<void> {
    if (this.closed) return;
    const { source, target, topics } = this;
    const committed = await source.committedOffsets(groups, topics);
    const [{ checkpoints, syncs }, sourceEnds, targetEnds] = await Promise.all([this.anchors!, endOffsets(source, topics), endOffsets(target, topics)]);
    // records still arrive on both sides: only a translation matched record for record holds (one
    // at a log's end is made in the hold, against frozen ends)
    const rows = translationResults(committed, await translateOffsets(source, target, requestsFor(committed), { sourceEnds, targetEnds, syncs, slack: AHEAD_SLACK }), { checkpoints, syncs }).filter((r) => r.kind === 'exact');
    if (this.closed) return;
    // the rows count as written once the coordinator answered the commit without error (close()
    // waits for this, rows included). Not read back here: write-offsets reads every group's offsets
    // on the target in the hold and writes what it does not find, and the read-back was a round
    // trip of its own, on the clients' pause for the group drained last (translate waits for it)
    const writing = writeGroupRows(target, rows).then(() => void this.rows.push(...rows));
    this.writes.add(writing);
    try {
      await writing;
    } finally {
      this.writes.delete(writing);
    }
  }
}

/** MirrorMaker 2's checkpoints (on the target) and offset syncs (on the source), read together. */
export async function readAnchors(source: Side, target: Side) {
  const [checkpoints, syncs] = await Promise.all([readCheckpoints(target), readOffsetSyncs(source)]);
  return { checkpoints, syncs };
}

/** The translator a cutover's consumer drain left running, for its translate step (the same process only). */
export const runningAhead = new WeakMap<CutoverDeps, AheadTranslator>();
