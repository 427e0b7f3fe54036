import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceGroupSpec } from '../../objects/request-spec.ts';
import { ServerGroupAntiAffinityFilter } from './server-group-anti-affinity-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

const M1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const M2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const OTHER = 'bbbbbbbb-0000-4000-8000-000000000003';

const group = (over: Partial<InstanceGroupSpec> = {}): InstanceGroupSpec => ({ uuid: 'g', policy: 'anti-affinity', members: [M1, M2], hosts: [], rules: {}, ...over });

describe('ServerGroupAntiAffinityFilter', () => {
  const filter = new ServerGroupAntiAffinityFilter();
  const empty = fakeHost({ host: 'empty', instanceUuids: [OTHER] });
  const one = fakeHost({ host: 'one', instanceUuids: [M1, OTHER] });
  const two = fakeHost({ host: 'two', instanceUuids: [M1, M2] });

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'ServerGroupAntiAffinityFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('passes every host without a group or for another policy', () => {
    assert.equal(filter.hostPasses(two, fakeSpec()), true);
    for (const policy of ['affinity', 'soft-affinity', 'soft-anti-affinity']) assert.equal(filter.hostPasses(two, fakeSpec({ instance_group: group({ policy }) })), true);
  });
  it('rejects the hosts that hold a member of the group', () => {
    const spec = fakeSpec({ instance_group: group() });
    assert.equal(filter.hostPasses(empty, spec), true);
    assert.equal(filter.hostPasses(one, spec), false);
    assert.equal(filter.hostPasses(two, spec), false);
  });
  it("rejects the group's hosts even when the host's instances are not known", () => {
    const spec = fakeSpec({ instance_group: group({ hosts: ['empty'] }) });
    assert.equal(filter.hostPasses(empty, spec), false);
    assert.equal(filter.hostPasses(fakeHost({ host: 'elsewhere' }), spec), true);
  });
  it('allows up to max_server_per_host members per host', () => {
    const spec = fakeSpec({ instance_group: group({ rules: { max_server_per_host: 2 } }) });
    assert.equal(filter.hostPasses(empty, spec), true);
    assert.equal(filter.hostPasses(one, spec), true);
    assert.equal(filter.hostPasses(two, spec), false);
  });
});
