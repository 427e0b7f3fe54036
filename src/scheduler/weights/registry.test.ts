import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeHost, fakeSpec } from '../filters/testing.ts';
import type { HostState } from '../host-state.ts';
import { loadWeighers, normalize, weighHosts } from './registry.ts';
import type { HostWeigher } from './weigher.ts';

const ones = { ram: 1, cpu: 1, disk: 1 };
const spec = fakeSpec();
const names = (ranked: { host: HostState }[]) => ranked.map((r) => r.host.host);

describe('loadWeighers', () => {
  it('loads the named weighers in order with their multipliers', () => {
    const ws = loadWeighers(['DiskWeigher', 'RAMWeigher'], { ram: 2, cpu: 3, disk: 4 });
    assert.deepEqual(
      ws.map((w) => [w.name, w.multiplier(fakeHost())]),
      [
        ['DiskWeigher', 4],
        ['RAMWeigher', 2],
      ],
    );
  });
  it("expands 'all' to every weigher, once each", () => {
    assert.deepEqual(
      loadWeighers(['all'], ones).map((w) => w.name),
      ['RAMWeigher', 'CPUWeigher', 'DiskWeigher', 'ServerGroupSoftAffinityWeigher', 'ServerGroupSoftAntiAffinityWeigher'],
    );
    assert.equal(loadWeighers(['RAMWeigher', 'all'], ones).length, 5);
  });
  it('names an unknown weigher in the error', () => {
    assert.throws(() => loadWeighers(['RAMWeigher', 'MetricsWeigher'], ones), /Unknown scheduler weigher 'MetricsWeigher'/);
  });
});

describe('weighHosts', () => {
  it('normalises to [0, 1] and gives 0 to all when all are equal', () => {
    assert.deepEqual(normalize([10, 20, 30]), [0, 0.5, 1]);
    assert.deepEqual(normalize([5, 5, 5]), [0, 0, 0]);
    assert.deepEqual(normalize([]), []);
  });
  it('spreads by free RAM with a positive multiplier and stacks with a negative one', () => {
    const hosts = [fakeHost({ host: 'a', memoryMbUsed: 8192 }), fakeHost({ host: 'b' }), fakeHost({ host: 'c', memoryMbUsed: 16000 })];
    const spread = weighHosts(loadWeighers(['RAMWeigher'], ones), hosts, spec);
    assert.deepEqual(names(spread), ['b', 'a', 'c']);
    assert.deepEqual(
      spread.map((r) => r.weight),
      [1, (8192 - 384) / 16000, 0],
    );
    assert.deepEqual(names(weighHosts(loadWeighers(['RAMWeigher'], { ...ones, ram: -1 }), hosts, spec)), ['c', 'a', 'b']);
  });
  it('sums the normalised weights times each multiplier', () => {
    // a: most RAM free, no vCPU free; b: little RAM free, all vCPUs free.
    const a = fakeHost({ host: 'a', vcpusUsed: 8 });
    const b = fakeHost({ host: 'b', memoryMbUsed: 8192 });
    const both = loadWeighers(['RAMWeigher', 'CPUWeigher'], { ram: 1, cpu: 3, disk: 1 });
    const ranked = weighHosts(both, [a, b], spec);
    assert.deepEqual(
      ranked.map((r) => [r.host.host, r.weight]),
      [
        ['b', 3],
        ['a', 1],
      ],
    );
    assert.deepEqual(names(weighHosts(loadWeighers(['RAMWeigher', 'CPUWeigher'], { ram: 4, cpu: 3, disk: 1 }), [b, a], spec)), ['a', 'b']);
  });
  it('normalises each weigher on its own scale', () => {
    // Raw free MiB dwarf raw free GB; normalised, one GB step weighs as much as 8 GiB of RAM.
    const a = fakeHost({ host: 'a', memoryMbUsed: 8192 });
    const b = fakeHost({ host: 'b', localGbUsed: 50 });
    const c = fakeHost({ host: 'c', memoryMbUsed: 8192, localGbUsed: 50 });
    const ranked = weighHosts(loadWeighers(['RAMWeigher', 'DiskWeigher'], { ram: 1, cpu: 1, disk: 1.5 }), [b, c, a], spec);
    assert.deepEqual(
      ranked.map((r) => [r.host.host, r.weight]),
      [
        ['a', 1.5],
        ['b', 1],
        ['c', 0],
      ],
    );
  });
  it('keeps the input order for equal weights', () => {
    const hosts = ['x', 'y', 'z'].map((host) => fakeHost({ host }));
    assert.deepEqual(names(weighHosts(loadWeighers(['all'], ones), hosts, spec)), ['x', 'y', 'z']);
    assert.deepEqual(names(weighHosts([], [hosts[2]!, hosts[0]!], spec)), ['z', 'x']);
  });
  it('asks each weigher for the multiplier of each host', () => {
    const perHost: HostWeigher = { name: 'PerHost', multiplier: (h) => (h.host === 'b' ? 10 : 1), weigh: (h) => h.numInstances };
    const ranked = weighHosts([perHost], [fakeHost({ host: 'a', numInstances: 2 }), fakeHost({ host: 'b', numInstances: 1 }), fakeHost({ host: 'c' })], spec);
    assert.deepEqual(
      ranked.map((r) => [r.host.host, r.weight]),
      [
        ['b', 5],
        ['a', 1],
        ['c', 0],
      ],
    );
  });
  it('returns nothing for no hosts', () => {
    assert.deepEqual(weighHosts(loadWeighers(['all'], ones), [], spec), []);
  });
});
