import { describe, expect, it } from 'vitest';
import { gateShare } from '../../src/core/cutover/gate.js';

describe('gateShare', () => {
  it('gives an instance the members of each client id it saw, at most as many as the fleet named', () => {
    const fleet = ['kafkajs', 'kafkajs', 'kafkajs', 'kafkajs', 'consumer-app-1'];
    expect(gateShare(fleet, [['g1', 'kafkajs', 1], ['g2', 'kafkajs', 1]])).toEqual(['kafkajs', 'kafkajs']);
    expect(gateShare(fleet, [['g1', 'kafkajs', 2], ['g2', 'kafkajs', 2], ['g3', 'consumer-app-1', 1]])).toEqual(fleet);
    // stale members of an instance never make it wait for more than the fleet has
    expect(gateShare(['kafkajs'], [['g1', 'kafkajs', 3]])).toEqual(['kafkajs']);
  });

  it('gates nothing on an instance that saw none of the members', () => {
    expect(gateShare(['kafkajs', 'app'], [])).toEqual([]);
    expect(gateShare(['kafkajs', 'app'], [['g', 'other', 4]])).toEqual([]);
  });

  it('keeps the whole list for an instance whose filter does not say which members it had', () => {
    expect(gateShare(['kafkajs', 'app'], undefined)).toEqual(['kafkajs', 'app']);
  });
});
