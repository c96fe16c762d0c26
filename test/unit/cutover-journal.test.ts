import { describe, expect, it } from 'vitest';
import { FORWARD_STEPS, nextStep, parseJournal, replay, type JournalLine } from '../../src/core/cutover/journal.js';
import { parseMm2Offset, progress } from '../../src/core/migration/lag.js';

const header = { cutoverId: 'c1', from: 'a', to: 'b', sourceClusterId: 'A', targetClusterId: 'B', topics: ['t'], groups: [], startedAt: '2026-11-23T00:00:00Z' };
const t = '2026-11-23T00:00:00Z';

describe('cutover journal', () => {
  it('resumes at the first step not done, keeping the outputs of the done ones', () => {
    const lines: JournalLine[] = [
      { type: 'start', seq: 0, time: t, header },
      { type: 'step', seq: 1, time: t, cutoverId: 'c1', step: 'preflight', state: 'begin' },
      { type: 'step', seq: 2, time: t, cutoverId: 'c1', step: 'preflight', state: 'done', data: { groups: 2 } },
      { type: 'step', seq: 3, time: t, cutoverId: 'c1', step: 'fence', state: 'begin' },
      { type: 'step', seq: 4, time: t, cutoverId: 'c1', step: 'fence', state: 'done', data: { fencedAt: 5 } },
      { type: 'step', seq: 5, time: t, cutoverId: 'c1', step: 'freeze', state: 'begin' },
    ];
    const s = replay(lines);
    expect(s.inProgress).toBe('freeze');
    expect(nextStep(s, FORWARD_STEPS)).toBe('freeze');
    expect(s.done.get('fence')).toEqual({ fencedAt: 5 });
    expect(s.nextSeq).toBe(6);
    // written before the consumer drain existed: its fence stopped the proxy, so the drain is not run after it
    expect(s.done.get('drain-consumers')).toEqual({ via: 'restart', groups: [], clients: [] });
    // nor the early bind: its gateway binds at the switch, as it was going to
    expect(s.done.get('bind')).toEqual({ early: false });
  });

  it('a cutover stopped during the consumer drain resumes there, before the fence', () => {
    const s = replay([
      { type: 'start', seq: 0, time: t, header },
      { type: 'step', seq: 1, time: t, cutoverId: 'c1', step: 'preflight', state: 'done', data: {} },
      { type: 'step', seq: 2, time: t, cutoverId: 'c1', step: 'drain-consumers', state: 'begin' },
    ]);
    expect(s.inProgress).toBe('drain-consumers');
    expect(nextStep(s, FORWARD_STEPS)).toBe('drain-consumers');
    expect(FORWARD_STEPS.indexOf('drain-consumers')).toBeLessThan(FORWARD_STEPS.indexOf('fence'));
  });

  it('keeps a failure until the step is done, and a new start forgets the old cutover', () => {
    const lines: JournalLine[] = [
      { type: 'start', seq: 0, time: t, header },
      { type: 'step', seq: 1, time: t, cutoverId: 'c1', step: 'preflight', state: 'begin' },
      { type: 'step', seq: 2, time: t, cutoverId: 'c1', step: 'preflight', state: 'failed', error: 'lag' },
    ];
    expect(replay(lines).lastFailure).toEqual({ step: 'preflight', error: 'lag' });
    const again = replay([...lines, { type: 'step', seq: 3, time: t, cutoverId: 'c1', step: 'preflight', state: 'done' }]);
    expect(again.lastFailure).toBeUndefined();
    const fresh = replay([...lines, { type: 'start', seq: 3, time: t, header: { ...header, cutoverId: 'c2' } }, { type: 'step', seq: 4, time: t, cutoverId: 'c1', step: 'fence', state: 'done' }]);
    expect(fresh.header?.cutoverId).toBe('c2');
    expect(fresh.done.size).toBe(0);
    expect(replay([...lines, { type: 'end', seq: 3, time: t, cutoverId: 'c1', outcome: 'done' }]).ended).toBe('done');
  });

  it('ignores a torn last line (a crash mid-write) but not damage in the middle', () => {
    const ok = `${JSON.stringify({ type: 'start', seq: 0, time: t, header })}\n{"type":"step","seq":1,"ti`;
    expect(parseJournal(ok)).toHaveLength(1);
    expect(() => parseJournal(`{"type":\n${JSON.stringify({ type: 'start', seq: 0, time: t, header })}\n`)).toThrow(SyntaxError);
  });
});

describe('MirrorMaker 2 progress', () => {
  it("reads the source connector's offsets and skips the checkpoint connector's", () => {
    expect(parseMm2Offset('["MirrorSourceConnector",{"cluster":"src","partition":1,"topic":"orders"}]', '{"offset":319}')).toEqual({ topic: 'orders', partition: 1, offset: 319n });
    expect(parseMm2Offset('["MirrorCheckpointConnector",{"partition":2,"topic":"orders","group":"billing"}]', '{"offset":0}')).toBeUndefined();
    expect(parseMm2Offset('["MirrorSourceConnector",{"cluster":"src","partition":1,"topic":"orders"}]', null)).toEqual({ topic: 'orders', partition: 1, offset: null });
    expect(parseMm2Offset('not json', '{}')).toBeUndefined();
  });

  it('computes lag from the next offset to copy', () => {
    const rows = progress([{ topic: 't', partition: 0, low: 0n, high: 100n }, { topic: 't', partition: 1, low: 5n, high: 10n }], new Map([['t\u00000', 89n]]), new Map([['t\u00000', 95n]]));
    expect(rows).toEqual([
      { topic: 't', partition: 0, sourceLow: 0n, sourceEnd: 100n, next: 90n, targetEnd: 95n, lag: 10n },
      { topic: 't', partition: 1, sourceLow: 5n, sourceEnd: 10n, lag: 5n },
    ]);
  });
});

describe('the cutover step tables', () => {
  it('run the journal steps in their order, one file per step', async () => {
    const { FORWARD_TABLE, ROLLBACK_TABLE, RELEASE_TABLE } = await import('../../src/cutover/steps/index.js');
    const { ROLLBACK_STEPS } = await import('../../src/core/cutover/journal.js');
    expect(FORWARD_TABLE.map((s) => s.name)).toEqual([...FORWARD_STEPS]);
    expect(ROLLBACK_TABLE.map((s) => s.name)).toEqual([...ROLLBACK_STEPS]);
    expect(RELEASE_TABLE.map((s) => s.name)).toEqual(['rollback-switch']);
  });
});

describe("the drain step's summary", () => {
  it('names the group the drain waited for longest, and only when every group got there', async () => {
    const { drainConsumers } = await import('../../src/cutover/steps/drain-consumers.js');
    const groups = [
      { group: 'app-1', uncommitted: 0, complete: true, completeAfterMs: 350 },
      { group: 'java-app-0', uncommitted: 0, complete: true, completeAfterMs: 2_412 },
    ];
    expect(drainConsumers.summary({ via: 'filter', groups, clients: [] })).toBe('consumers drained at the gateway: 2 of 2 active groups committed everything delivered (the last, java-app-0, 2.4 s after the first cut-off)');
    const late = [groups[0]!, { group: 'java-app-0', uncommitted: 7, complete: false }];
    expect(drainConsumers.summary({ via: 'filter', groups: late, clients: [] })).toBe('consumers drained at the gateway: 1 of 2 active groups committed everything delivered; java-app-0 7 uncommitted');
  });
});
