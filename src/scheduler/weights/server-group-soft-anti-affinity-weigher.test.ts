import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceGroupSpec } from '../../objects/request-spec.ts';
import { fakeHost, fakeSpec } from '../filters/testing.ts';
import { loadWeighers, weighHosts } from './registry.ts';
import { ServerGroupSoftAntiAffinityWeigher } from './server-group-soft-anti-affinity-weigher.ts';

const M1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const M2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const group = (policy: string, hosts: string[] = []): InstanceGroupSpec => ({ uuid: 'g', policy, members: [M1, M2], hosts, rules: {} });

describe('ServerGroupSoftAntiAffinityWeigher', () => {
  const hosts = [fakeHost({ host: 'two', instanceUuids: [M1, M2] }), fakeHost({ host: 'one', instanceUuids: [M1] }), fakeHost({ host: 'none' })];

  it('is named as in Nova and carries soft_anti_affinity_weight_multiplier', () => {
    const w = new ServerGroupSoftAntiAffinityWeigher(0.5);
    assert.equal(w.name, 'ServerGroupSoftAntiAffinityWeigher');
    assert.equal(w.multiplier(fakeHost()), 0.5);
  });
  it('weighs a host by minus the members of a soft-anti-affinity group on it', () => {
    const w = new ServerGroupSoftAntiAffinityWeigher(1);
    const spec = fakeSpec({ instance_group: group('soft-anti-affinity') });
    assert.deepEqual(
      hosts.map((h) => w.weigh(h, spec)),
      [-2, -1, 0],
    );
    assert.deepEqual(
      weighHosts([w], hosts, spec).map((r) => r.host.host),
      ['none', 'one', 'two'],
    );
  });
  it('counts a host the group lists even without its instance list', () => {
    const w = new ServerGroupSoftAntiAffinityWeigher(1);
    assert.equal(w.weigh(fakeHost({ host: 'x' }), fakeSpec({ instance_group: group('soft-anti-affinity', ['x']) })), -1);
  });
  it('weighs 0 without a group or for another policy', () => {
    const w = new ServerGroupSoftAntiAffinityWeigher(1);
    for (const spec of [fakeSpec(), fakeSpec({ instance_group: group('soft-affinity') })]) {
      assert.deepEqual(
        hosts.map((h) => w.weigh(h, spec)),
        [0, 0, 0],
      );
    }
  });
  it('takes its multiplier from the registry, 1.0 by default', () => {
    const ones = { ram: 1, cpu: 1, disk: 1 };
    const [w] = loadWeighers(['ServerGroupSoftAntiAffinityWeigher'], ones);
    assert.equal(w?.multiplier(fakeHost()), 1);
    const [w2] = loadWeighers(['ServerGroupSoftAntiAffinityWeigher'], { ...ones, softAntiAffinity: 3 });
    assert.equal(w2?.multiplier(fakeHost()), 3);
  });
});
