import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeHost, fakeSpec } from './filters/testing.ts';
import { groupMembersOn, recordPlacement, syncGroupHosts } from './server-group.ts';

const M1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const M2 = 'aaaaaaaa-0000-4000-8000-000000000002';

describe('server group bookkeeping in the scheduler', () => {
  it('counts the members on a host, and a listed host as at least one', () => {
    const g = { uuid: 'g', policy: 'anti-affinity', members: [M1, M2], hosts: ['listed'], rules: {} };
    assert.equal(groupMembersOn(fakeHost({ host: 'a', instanceUuids: [M1, M2, 'x'] }), g), 2);
    assert.equal(groupMembersOn(fakeHost({ host: 'listed' }), g), 1);
    assert.equal(groupMembersOn(fakeHost({ host: 'b', instanceUuids: ['x'] }), g), 0);
  });
  it('adds the hosts that hold members and records each placement', () => {
    const spec = fakeSpec({ instance_uuids: [M2], instance_group: { uuid: 'g', policy: 'affinity', members: [M1], hosts: [], rules: {} } });
    syncGroupHosts(spec, [fakeHost({ host: 'a' }), fakeHost({ host: 'b', instanceUuids: [M1] })]);
    assert.deepEqual(spec.instance_group?.hosts, ['b']);
    recordPlacement(spec, M2, 'c');
    recordPlacement(spec, M2, 'c');
    assert.deepEqual(spec.instance_group?.hosts, ['b', 'c']);
    assert.deepEqual(spec.instance_group?.members, [M1, M2]);
  });
  it('leaves a request without a group alone', () => {
    const spec = fakeSpec();
    syncGroupHosts(spec, [fakeHost()]);
    recordPlacement(spec, M1, 'a');
    assert.equal(spec.instance_group, undefined);
  });
});
