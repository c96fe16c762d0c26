import { describe, expect, it } from 'vitest';
import { freePorts, isPortFree } from '../../src/processes/ports.js';

describe('free ports', () => {
  it('picks ports below the ephemeral ranges, each with the next three free, in blocks that do not overlap', async () => {
    const ports = await freePorts(5, new Set([20_000]));
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000);
      expect(p).toBeLessThan(32_000);
      for (let i = 0; i < 4; i++) expect(await isPortFree(p + i)).toBe(true);
    }
    const sorted = [...ports].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(4);
  });

  it('picks blocks of the length asked for (a fleet of gateway instances listens on the ports after the first)', async () => {
    const ports = await freePorts(2, new Set(), 9);
    for (const p of ports) for (let i = 0; i < 9; i++) expect(await isPortFree(p + i)).toBe(true);
    expect(Math.abs(ports[0]! - ports[1]!)).toBeGreaterThanOrEqual(9);
  });
});
