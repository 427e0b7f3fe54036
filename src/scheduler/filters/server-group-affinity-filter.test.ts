import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceGroupSpec } from '../../objects/request-spec.ts';
import { ServerGroupAffinityFilter } from './server-group-affinity-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

const group = (policy: string, hosts: string[]): InstanceGroupSpec => ({ uuid: 'g', policy, members: [], hosts, rules: {} });

describe('ServerGroupAffinityFilter', () => {
  const filter = new ServerGroupAffinityFilter();
  const a = fakeHost({ host: 'a' });
  const b = fakeHost({ host: 'b' });

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'ServerGroupAffinityFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('passes every host without a group or for another policy', () => {
    assert.equal(filter.hostPasses(a, fakeSpec()), true);
    for (const policy of ['anti-affinity', 'soft-affinity', 'soft-anti-affinity']) {
      assert.equal(filter.hostPasses(a, fakeSpec({ instance_group: group(policy, ['b']) })), true);
    }
  });
  it('passes any host while the group has no host yet', () => {
    const spec = fakeSpec({ instance_group: group('affinity', []) });
    assert.equal(filter.hostPasses(a, spec), true);
    assert.equal(filter.hostPasses(b, spec), true);
  });
  it('passes only the hosts the group already uses', () => {
    const spec = fakeSpec({ instance_group: group('affinity', ['b']) });
    assert.equal(filter.hostPasses(a, spec), false);
    assert.equal(filter.hostPasses(b, spec), true);
  });
});
