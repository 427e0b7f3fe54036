import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeHost, fakeSpec } from '../filters/testing.ts';
import { RAMWeigher } from './ram-weigher.ts';

describe('RAMWeigher', () => {
  const spec = fakeSpec();

  it('is named as in Nova and carries ram_weight_multiplier', () => {
    const w = new RAMWeigher(2.5);
    assert.equal(w.name, 'RAMWeigher');
    assert.equal(w.multiplier(fakeHost()), 2.5);
    assert.equal(new RAMWeigher(-1).multiplier(fakeHost()), -1);
  });
  it('weighs a host by its free RAM after reservation, usage and ratio', () => {
    const w = new RAMWeigher(1);
    assert.equal(w.weigh(fakeHost({ memoryMb: 16384 }), spec), 16384);
    assert.equal(w.weigh(fakeHost({ memoryMb: 16384, reservedMemoryMb: 512, memoryMbUsed: 2048 }), spec), 13824);
    assert.equal(w.weigh(fakeHost({ memoryMb: 16384, ramAllocationRatio: 1.5, memoryMbUsed: 4096 }), spec), 20480);
  });
});
