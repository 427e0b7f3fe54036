import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeHost, fakeSpec } from '../filters/testing.ts';
import { DiskWeigher } from './disk-weigher.ts';

describe('DiskWeigher', () => {
  const spec = fakeSpec();

  it('is named as in Nova and carries disk_weight_multiplier', () => {
    const w = new DiskWeigher(0.5);
    assert.equal(w.name, 'DiskWeigher');
    assert.equal(w.multiplier(fakeHost()), 0.5);
    assert.equal(new DiskWeigher(0).multiplier(fakeHost()), 0);
  });
  it('weighs a host by its free disk after reservation, usage and ratio', () => {
    const w = new DiskWeigher(1);
    assert.equal(w.weigh(fakeHost({ localGb: 100 }), spec), 100);
    assert.equal(w.weigh(fakeHost({ localGb: 100, reservedDiskGb: 10, localGbUsed: 30 }), spec), 60);
    assert.equal(w.weigh(fakeHost({ localGb: 100, diskAllocationRatio: 2, localGbUsed: 150 }), spec), 50);
  });
});
