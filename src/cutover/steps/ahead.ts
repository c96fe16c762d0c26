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
import { translationResults, writeGroupRows } from './shared.js';

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
  /** when the offset syncs in `anchors` were asked for (performance.now()) */
  private syncsAskedAt = 0;
  /** the writes under way: closing waits for them, never for a translation */
  private readonly writes = new Set<Promise<unknown>>();
  private closed = false;

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
    const anchors = this.anchorsNow();
    this.batches.push(
      this.translate(fresh, anchors).catch((e: unknown) => {
        if (!this.closed) this.log(`note: ${fresh.join(', ')} not translated ahead of the hold (${(e as Error).message}); the hold translates ${fresh.length === 1 ? 'it' : 'them'}`);
      }),
    );
  }

  /**
   * The anchors for a batch begun now: MirrorMaker 2's checkpoints as first read, and its offset
   * syncs read again when the last read is more than SYNCS_FRESH_MS old (only what is new since: the
   * cursor is kept). A translation's windows run from the newest sync before each committed offset
   * to that offset: anchored on syncs read when the drain began, 30 s before the hold in the fleet
   * benchmark, the groups drained last read some 1,600 records a partition on each cluster (and
   * the drain's tail check, anchored on the same syncs, as many), on the clients' pause.
   */
  private anchorsNow(): ReturnType<typeof readAnchors> {
    const now = performance.now();
    if (!this.anchors) {
      this.anchors = readAnchors(this.source, this.target);
      this.syncsAskedAt = now;
    } else if (now - this.syncsAskedAt > SYNCS_FRESH_MS) {
      const first = this.anchors;
      this.anchors = Promise.all([first, readOffsetSyncs(this.source)]).then(([{ checkpoints }, syncs]) => ({ checkpoints, syncs }));
      this.syncsAskedAt = now;
    }
    // a batch that fails before it reads them (its committed offsets) leaves them unawaited: a failed read is the hold's to redo
    this.anchors.catch(() => {});
    return this.anchors;
  }

  /** MirrorMaker 2's checkpoints and offset syncs as last read for a batch, if they were */
  get anchorsRead(): ReturnType<typeof readAnchors> | undefined {
    return this.anchors;
  }

  /** What was translated and written so far. */
  get written(): GroupResult[] {
    return [...this.rows];
  }

  /** Every translation started, finished (at most `timeoutMs`; then the rest writes nothing): what was translated and written. */
  async finish(timeoutMs: number): Promise<GroupResult[]> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.batches), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    await this.close();
    return [...this.rows];
  }

  /** Stops: translations still running write nothing. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.writes].map((w) => w.catch(() => {})));
  }

  private async translate(groups: string[], anchors: ReturnType<typeof readAnchors>): Promise<void> {
    if (this.closed) return;
    const { source, target, topics } = this;
    const committed = await source.committedOffsets(groups, topics);
    const [{ checkpoints, syncs }, sourceEnds, targetEnds] = await Promise.all([anchors, endOffsets(source, topics), endOffsets(target, topics)]);
    // records still arrive on both sides: only a translation matched record for record holds (one
    // at a log's end is made in the hold, against frozen ends)
    const rows = translationResults(committed, await translateOffsets(source, target, requestsFor(committed), { sourceEnds, targetEnds, syncs }), { checkpoints, syncs }).filter((r) => r.kind === 'exact');
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

/** how old the offset syncs a batch is anchored on may be: a read of what is new since costs less than the longer windows (see anchorsNow) */
const SYNCS_FRESH_MS = 2_000;

/** MirrorMaker 2's checkpoints (on the target) and offset syncs (on the source), read together. */
export async function readAnchors(source: Side, target: Side) {
  const [checkpoints, syncs] = await Promise.all([readCheckpoints(target), readOffsetSyncs(source)]);
  return { checkpoints, syncs };
}

/** The translator a cutover's consumer drain left running, for its translate step (the same process only). */
export const runningAhead = new WeakMap<CutoverDeps, AheadTranslator>();
