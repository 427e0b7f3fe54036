import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiskFilter, requestedDiskGb } from './disk-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

describe('DiskFilter', () => {
  const filter = new DiskFilter();
  const wants = (root_gb: number, ephemeral_gb = 0, swap = 0) => fakeSpec({ flavor: { root_gb, ephemeral_gb, swap } });

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'DiskFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('counts root, ephemeral and swap rounded up to whole GB', () => {
    assert.equal(requestedDiskGb(wants(10, 5, 0).flavor), 15);
    assert.equal(requestedDiskGb(wants(10, 5, 1).flavor), 16);
    assert.equal(requestedDiskGb(wants(10, 5, 1024).flavor), 16);
    assert.equal(requestedDiskGb(wants(10, 5, 1025).flavor), 17);
  });
  it('passes when root + ephemeral + swap fit exactly and rejects more', () => {
    const host = fakeHost({ localGb: 100, localGbUsed: 80 });
    assert.equal(filter.hostPasses(host, wants(10, 9, 1024)), true);
    assert.equal(filter.hostPasses(host, wants(10, 9, 1025)), false);
    assert.equal(filter.hostPasses(host, wants(10, 11)), false);
    assert.equal(filter.hostPasses(host, wants(21)), false);
  });
  it('subtracts reserved host disk', () => {
    const host = fakeHost({ localGb: 100, reservedDiskGb: 30 });
    assert.equal(filter.hostPasses(host, wants(70)), true);
    assert.equal(filter.hostPasses(host, wants(71)), false);
  });
  it('allows overcommit with disk_allocation_ratio above 1', () => {
    const full = { localGb: 100, localGbUsed: 100 };
    assert.equal(filter.hostPasses(fakeHost(full), wants(1)), false);
    // 100 * 1.5 - 100 = 50 GB still free.
    assert.equal(filter.hostPasses(fakeHost({ ...full, diskAllocationRatio: 1.5 }), wants(50)), true);
    assert.equal(filter.hostPasses(fakeHost({ ...full, diskAllocationRatio: 1.5 }), wants(51)), false);
  });
  it('never lets one instance overcommit against itself', () => {
    const host = fakeHost({ localGb: 100, diskAllocationRatio: 3 });
    assert.equal(filter.hostPasses(host, wants(100)), true);
    assert.equal(filter.hostPasses(host, wants(100, 0, 1)), false);
  });
});
