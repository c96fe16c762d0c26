/** Offsets written on the target into empty groups, and read back; what the target already holds (written during the consumer drain) is not written again. */
import { groupTpKey } from '../../core/cutover/ahead.js';
import type { CutoverStep } from '../types.js';
import { waitGroupsEmpty, writeAndReadBack } from './shared.js';

export const writeOffsets: CutoverStep<'write-offsets'> = {
  name: 'write-offsets',
  does: 'Offsets written on the target into empty groups, and read back (what it already holds from the consumer drain is checked, not written again).',
  summary: (d) => `offsets written for ${String(d.groups)} groups${d.alreadyHeld ? ` (${String(d.alreadyHeld)} already held by the target)` : ''}`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { target } = deps;
    const results = (ctx.out('translate').offsets ?? []).filter((r) => r.targetOffset !== undefined);
    const groups = [...new Set(results.map((r) => r.group))];
    const topics = [...new Set(results.map((r) => r.topic))];
    const [waited, read] = await Promise.all([waitGroupsEmpty(target, groups, options.groupWaitMs, deps.log), target.committedOffsets(groups, topics)]);
    // a group that had members when it was read may have committed since
    const held = waited ? await target.committedOffsets(groups, topics) : read;
    const has = new Set(held.map((h) => `${groupTpKey(h)}\u0000${h.offset.toString()}`));
    const missing = results.filter((r) => !has.has(`${groupTpKey(r)}\u0000${r.targetOffset!}`));
    await writeAndReadBack(target, missing, deps.log);
    return { groups: groups.length, alreadyHeld: groups.filter((g) => !missing.some((m) => m.group === g)).length };
  },
};
