import { describe, expect, it } from 'vitest';
import { compilerArgs } from '../../src/processes/java.js';

describe("the compilers of the JVMs zdp starts (brokers, MirrorMaker 2, proxies)", () => {
  it('are C1 only on two CPUs or fewer, where the optimizing compiler takes the clients\' share, and left to the JVM on more', () => {
    expect(compilerArgs(1)).toEqual(['-XX:TieredStopAtLevel=1']);
    expect(compilerArgs(2)).toEqual(['-XX:TieredStopAtLevel=1']);
    expect(compilerArgs(4)).toEqual([]);
  });
});
