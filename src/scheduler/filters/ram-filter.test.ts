import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RamFilter } from './ram-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

describe('RamFilter', () => {
  const filter = new RamFilter();
  const wants = (memory_mb: number) => fakeSpec({ flavor: { memory_mb } });

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'RamFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('passes when the flavor fits exactly and rejects one MiB more', () => {
    const host = fakeHost({ memoryMb: 4096, memoryMbUsed: 2048 });
    assert.equal(filter.hostPasses(host, wants(2048)), true);
    assert.equal(filter.hostPasses(host, wants(2049)), false);
  });
  it('subtracts reserved host memory', () => {
    const host = fakeHost({ memoryMb: 4096, reservedMemoryMb: 512 });
    assert.equal(filter.hostPasses(host, wants(3584)), true);
    assert.equal(filter.hostPasses(host, wants(3585)), false);
  });
  it('allows overcommit with ram_allocation_ratio above 1', () => {
    const full = { memoryMb: 4096, memoryMbUsed: 4096 };
    assert.equal(filter.hostPasses(fakeHost(full), wants(1024)), false);
    // (4096 * 1.5) - 4096 = 2048 MiB still free.
    assert.equal(filter.hostPasses(fakeHost({ ...full, ramAllocationRatio: 1.5 }), wants(2048)), true);
    assert.equal(filter.hostPasses(fakeHost({ ...full, ramAllocationRatio: 1.5 }), wants(2049)), false);
  });
  it('applies the ratio to memory net of the reserved part', () => {
    // (4096 - 1024) * 2 - 0 = 6144 free, less than 4096 * 2 = 8192.
    const host = fakeHost({ memoryMb: 4096, reservedMemoryMb: 1024, ramAllocationRatio: 2 });
    assert.equal(filter.hostPasses(host, wants(4096)), true);
    assert.equal(filter.hostPasses(fakeHost({ memoryMb: 4096, reservedMemoryMb: 1024, ramAllocationRatio: 2, memoryMbUsed: 3000 }), wants(3145)), false);
  });
  it('never lets one instance overcommit against itself', () => {
    const host = fakeHost({ memoryMb: 4096, ramAllocationRatio: 4 });
    assert.equal(filter.hostPasses(host, wants(4096)), true);
    assert.equal(filter.hostPasses(host, wants(4097)), false);
  });
});
