import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';

type Fault = Record<string, { code: number; message: string }>;

/**
 * The deferred delete (os-deferred-delete) with [DEFAULT]
 * reclaim_instance_interval: a DELETE soft-deletes (the guest powered off,
 * the claim and the quota still held), restore brings the server back,
 * forceDelete deletes it now, and nova-compute's periodic task reclaims
 * servers soft-deleted longer ago than the interval.
 */
describe('deferred delete: restore, forceDelete and the periodic reclaim', () => {
  let cloud: Cloud;
  let alice: ApiClient;
  let admin: ApiClient;

  const memoryUsed = async () => (await cloud.db.computeNodes.list()).reduce((n, c) => n + c.memory_mb_used, 0);
  const act = (id: string, b: unknown, api = alice) => api.post<Fault>(`/servers/${id}/action`, b);

  before(async () => {
    cloud = await startCloud({ overrides: { DEFAULT: { reclaim_instance_interval: '3', periodic_interval: '1' } } });
    alice = new ApiClient(cloud.url, 'alice:projA');
    admin = new ApiClient(cloud.url);
  });
  after(() => cloud?.stop());

  it('soft-deletes on DELETE, keeping the claim and the guest (off); restore brings it back ACTIVE', async () => {
    const id = await alice.boot('deferred');
    await alice.waitFor(id, ['ACTIVE']);
    const used = await memoryUsed();
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    const s = await alice.waitFor(id, ['SOFT_DELETED']);
    assert.equal(s['OS-EXT-STS:vm_state'], 'soft-delete');
    assert.equal(s['OS-EXT-STS:power_state'], 4);
    assert.equal(await memoryUsed(), used, 'a soft-deleted server keeps its claim');
    const limits = await alice.get<{ limits: { absolute: Record<string, number> } }>('/limits');
    assert.equal(limits.body.limits.absolute.totalInstancesUsed, 1, 'and counts against the quota');
    // Deleting it again leaves it soft-deleted (its host already has it).
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitFor(id, ['SOFT_DELETED']);

    assert.equal((await act(id, { restore: null })).status, 202);
    const back = await alice.waitFor(id, ['ACTIVE']);
    assert.equal(back['OS-EXT-STS:power_state'], 1);
    const actions = await alice.get<{ instanceActions: { action: string }[] }>(`/servers/${id}/os-instance-actions`);
    assert.equal(actions.body.instanceActions[0]?.action, 'restore');
    const notDeleted = await act(id, { restore: null });
    assert.equal(notDeleted.status, 409);
    assert.equal(notDeleted.body.conflictingRequest?.message, `Cannot 'restore' instance ${id} while it is in vm_state active`);
    assert.equal((await cloud.db.instances.get(id)).deleted_at, null);

    assert.equal((await act(id, { forceDelete: null })).status, 202);
    await alice.waitGone(id);
    assert.equal(await memoryUsed(), used - 512, 'forceDelete releases the claim');
  });

  it('reclaims soft-deleted servers older than reclaim_instance_interval', async () => {
    const id = await alice.boot('reclaimed');
    await alice.waitFor(id, ['ACTIVE']);
    const used = await memoryUsed();
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitFor(id, ['SOFT_DELETED']);
    await until(async () => (await alice.get(`/servers/${id}`)).status === 404, 15_000, 'reclaimed', 200);
    assert.equal(await memoryUsed(), used - 512);
  });

  it('forceDelete works on a soft-deleted server, not on a locked one; restore is checked for lock and policy', async () => {
    const id = await alice.boot('forced');
    await alice.waitFor(id, ['ACTIVE']);
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitFor(id, ['SOFT_DELETED']);
    assert.equal((await act(id, { lock: null }, admin)).status, 202);
    const locked = await act(id, { forceDelete: null });
    assert.equal(locked.status, 409);
    assert.equal(locked.body.conflictingRequest?.message, `Instance ${id} is locked`);
    const lockedRestore = await act(id, { restore: null });
    assert.equal(lockedRestore.status, 409);
    assert.equal(lockedRestore.body.conflictingRequest?.message, `Instance ${id} is in an invalid state for 'restore'`);
    assert.equal((await act(id, { unlock: null }, admin)).status, 202);
    assert.equal((await alice.as('bob:projB').post(`/servers/${id}/action`, { restore: null })).status, 404);
    assert.equal((await act(id, { forceDelete: null, x: 1 })).status, 400);
    assert.equal((await act(id, { forceDelete: null })).status, 202);
    await alice.waitGone(id);
  });

  it('deletes a server that never launched at once', async () => {
    const id = await alice.boot('never', { metadata: { fake_spawn_fail: 'true' } });
    await alice.waitFor(id, ['ERROR']);
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitGone(id);
  });
});
