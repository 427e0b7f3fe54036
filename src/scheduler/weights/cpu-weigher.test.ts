import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeHost, fakeSpec } from '../filters/testing.ts';
import { CPUWeigher } from './cpu-weigher.ts';

describe('CPUWeigher', () => {
  const spec = fakeSpec();

  it('is named as in Nova and carries cpu_weight_multiplier', () => {
    const w = new CPUWeigher(3);
    assert.equal(w.name, 'CPUWeigher');
    assert.equal(w.multiplier(fakeHost()), 3);
    assert.equal(new CPUWeigher(-2).multiplier(fakeHost()), -2);
  });
  it('weighs a host by its free vCPUs after reservation, usage and ratio', () => {
    const w = new CPUWeigher(1);
    assert.equal(w.weigh(fakeHost({ vcpus: 8 }), spec), 8);
    assert.equal(w.weigh(fakeHost({ vcpus: 8, reservedVcpus: 1, vcpusUsed: 3 }), spec), 4);
    assert.equal(w.weigh(fakeHost({ vcpus: 8, cpuAllocationRatio: 16, vcpusUsed: 100 }), spec), 28);
  });
});
