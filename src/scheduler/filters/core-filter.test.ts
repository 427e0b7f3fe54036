import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreFilter } from './core-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

describe('CoreFilter', () => {
  const filter = new CoreFilter();
  const wants = (vcpus: number) => fakeSpec({ flavor: { vcpus } });

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'CoreFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('passes when the flavor fits exactly and rejects one vCPU more', () => {
    const host = fakeHost({ vcpus: 8, vcpusUsed: 6 });
    assert.equal(filter.hostPasses(host, wants(2)), true);
    assert.equal(filter.hostPasses(host, wants(3)), false);
  });
  it('subtracts reserved host vCPUs', () => {
    const host = fakeHost({ vcpus: 8, reservedVcpus: 2 });
    assert.equal(filter.hostPasses(host, wants(6)), true);
    assert.equal(filter.hostPasses(host, wants(7)), false);
  });
  it('allows overcommit with cpu_allocation_ratio above 1', () => {
    const full = { vcpus: 8, vcpusUsed: 8 };
    assert.equal(filter.hostPasses(fakeHost(full), wants(1)), false);
    // 8 * 16 - 8 = 120 vCPUs still free.
    assert.equal(filter.hostPasses(fakeHost({ ...full, cpuAllocationRatio: 16 }), wants(8)), true);
    assert.equal(filter.hostPasses(fakeHost({ vcpus: 8, vcpusUsed: 120, cpuAllocationRatio: 16 }), wants(8)), true);
    assert.equal(filter.hostPasses(fakeHost({ vcpus: 8, vcpusUsed: 121, cpuAllocationRatio: 16 }), wants(8)), false);
  });
  it('never lets one instance overcommit against itself', () => {
    const host = fakeHost({ vcpus: 8, cpuAllocationRatio: 4 });
    assert.equal(filter.hostPasses(host, wants(8)), true);
    assert.equal(filter.hostPasses(host, wants(9)), false);
  });
});
