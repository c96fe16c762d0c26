/**
 * The cutover as two tables of typed steps, run in order by one journaled runner (../runner.ts).
 * Forward: preflight → drain consumers (groups already drained translated meanwhile) → fence (hold producers) → bind (with the filter:
 * the new instances bind in front of the target beside the next steps, holding clients) → freeze → drain → stop replication → translate
 * → write offsets → switch (release) → verify. Rollback after the switch: fence → freeze → copy
 * back → translate back → write offsets → switch back; before it, only the release.
 */
import type { AnyCutoverStep } from '../types.js';
import { bind } from './bind.js';
import { drain } from './drain.js';
import { drainConsumers } from './drain-consumers.js';
import { fence } from './fence.js';
import { freeze } from './freeze.js';
import { preflight } from './preflight.js';
import { rollbackCopy } from './rollback-copy.js';
import { rollbackFence } from './rollback-fence.js';
import { rollbackFreeze } from './rollback-freeze.js';
import { releaseBeforeSwitch, rollbackSwitch } from './rollback-switch.js';
import { rollbackTranslate } from './rollback-translate.js';
import { rollbackWriteOffsets } from './rollback-write-offsets.js';
import { stopReplication } from './stop-replication.js';
import { switchStep } from './switch.js';
import { translate } from './translate.js';
import { verify } from './verify.js';
import { writeOffsets } from './write-offsets.js';

export const FORWARD_TABLE: readonly AnyCutoverStep[] = [preflight, drainConsumers, fence, bind, freeze, drain, stopReplication, translate, writeOffsets, switchStep, verify];

export const ROLLBACK_TABLE: readonly AnyCutoverStep[] = [rollbackFence, rollbackFreeze, rollbackCopy, rollbackTranslate, rollbackWriteOffsets, rollbackSwitch];

/** A cutover stopped before its switch is rolled back by releasing the gateway on the source. */
export const RELEASE_TABLE: readonly AnyCutoverStep[] = [releaseBeforeSwitch];
