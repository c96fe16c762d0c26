import { describe, expect, it } from 'vitest';
import { proxyJitArgs } from '../../src/processes/kroxylicious.js';

describe("the proxy JVM's compiler", () => {
  it('is C1 only on two CPUs or fewer, where the optimizing compiler takes the clients\' share at a switch, and left to the JVM on more', () => {
    expect(proxyJitArgs(1)).toEqual(['-XX:TieredStopAtLevel=1']);
    expect(proxyJitArgs(2)).toEqual(['-XX:TieredStopAtLevel=1']);
    expect(proxyJitArgs(4)).toEqual([]);
  });
});
