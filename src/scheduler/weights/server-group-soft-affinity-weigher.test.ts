import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceGroupSpec } from '../../objects/request-spec.ts';
import { fakeHost, fakeSpec } from '../filters/testing.ts';
import { weighHosts } from './registry.ts';
import { ServerGroupSoftAffinityWeigher } from './server-group-soft-affinity-weigher.ts';

const M1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const M2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const group = (policy: string): InstanceGroupSpec => ({ uuid: 'g', policy, members: [M1, M2], hosts: [], rules: {} });

describe('ServerGroupSoftAffinityWeigher', () => {
  const hosts = [fakeHost({ host: 'none' }), fakeHost({ host: 'one', instanceUuids: [M1] }), fakeHost({ host: 'two', instanceUuids: [M1, M2] })];

  it('is named as in Nova and carries soft_affinity_weight_multiplier', () => {
    const w = new ServerGroupSoftAffinityWeigher(2);
    assert.equal(w.name, 'ServerGroupSoftAffinityWeigher');
    assert.equal(w.multiplier(fakeHost()), 2);
  });
  it('weighs a host by the members of a soft-affinity group on it', () => {
    const w = new ServerGroupSoftAffinityWeigher(1);
    const spec = fakeSpec({ instance_group: group('soft-affinity') });
    assert.deepEqual(
      hosts.map((h) => w.weigh(h, spec)),
      [0, 1, 2],
    );
    assert.deepEqual(
      weighHosts([w], hosts, spec).map((r) => r.host.host),
      ['two', 'one', 'none'],
    );
  });
  it('weighs 0 without a group or for another policy', () => {
    const w = new ServerGroupSoftAffinityWeigher(1);
    for (const spec of [fakeSpec(), fakeSpec({ instance_group: group('soft-anti-affinity') }), fakeSpec({ instance_group: group('affinity') })]) {
      assert.deepEqual(
        hosts.map((h) => w.weigh(h, spec)),
        [0, 0, 0],
      );
    }
  });
});
