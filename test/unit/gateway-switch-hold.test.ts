import { describe, expect, it } from 'vitest';
import { holdProducersForSwitch } from '../../src/commands/gateway/switch.js';
import { CheckFailedError } from '../../src/errors.js';
import type { QuiesceControl } from '../../src/gateway/control.js';

const quiesce = (holdProducers: QuiesceControl['holdProducers']): QuiesceControl => ({
  instances: 2,
  drainConsumers: async () => ({ from: 0 }),
  drainState: async () => ({ delivered: [], committed: [] }),
  holdProducers,
});

describe('gateway switch: producers held before the old backend goes', () => {
  it('holds nothing on a gateway without the filter', async () => {
    expect(await holdProducersForSwitch({ quiesce: async () => undefined })).toBeUndefined();
  });

  it('holds producers on every instance and says how long', async () => {
    const calls: number[] = [];
    const held = await holdProducersForSwitch({ quiesce: async () => quiesce(async (timeoutMs) => void calls.push(timeoutMs)) });
    expect(calls).toEqual([10_000]);
    expect(held).toBeGreaterThanOrEqual(0);
  });

  it('drops the loaded standby and says the switch can be run again when the hold is not in force', async () => {
    let cancelled = 0;
    const failing = quiesce(async () => {
      throw new CheckFailedError('GATEWAY_NOT_QUIESCED', "the gateway's instances did not all acknowledge hold-producers: x: 1 produce request unanswered", { hint: 'then `zdp cutover --resume`', retriable: true });
    });
    const error = await holdProducersForSwitch({ quiesce: async () => failing, cancelSwitch: async () => void cancelled++ }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFailedError);
    expect(error).toMatchObject({ code: 'GATEWAY_NOT_QUIESCED', retriable: true });
    expect((error as CheckFailedError).hint).toContain('zdp gateway switch');
    expect((error as CheckFailedError).hint).not.toContain('cutover');
    expect(cancelled).toBe(1);
  });
});
