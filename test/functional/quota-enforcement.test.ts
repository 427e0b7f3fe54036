import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

/** Server creation against the project's quota, including concurrent boots racing for the last slots. */
describe('instance quotas', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  before(async () => {
    cloud = await startCloud({ computes: ['q1'], overrides: { quota: { instances: '10', cores: '20', ram: '51200' } } });
    admin = new ApiClient(cloud.url);
  });
  after(() => cloud.stop());

  it('refuses a boot over quota with 403 and Nova’s message, creating nothing', async () => {
    const user = admin.as('carol:projQ');
    assert.equal((await admin.put('/os-quota-sets/projQ', { quota_set: { instances: 2 } })).status, 200);
    await user.waitFor(await user.boot('q-1'), ['ACTIVE']);
    await user.waitFor(await user.boot('q-2'), ['ACTIVE']);
    const r = await user.post<{ forbidden: { code: number; message: string } }>('/servers', { server: { name: 'q-3', imageRef: 'cirros', flavorRef: '1' } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances');
    const list = await user.get<{ servers: unknown[] }>('/servers');
    assert.equal(list.body.servers.length, 2);
    const limits = await user.get<{ limits: { absolute: Record<string, number> } }>('/limits');
    assert.equal(limits.body.limits.absolute.maxTotalInstances, 2);
    assert.equal(limits.body.limits.absolute.totalInstancesUsed, 2);
  });

  it('counts cores and RAM too', async () => {
    const user = admin.as('dave:projC');
    assert.equal((await admin.put('/os-quota-sets/projC', { quota_set: { cores: 3 } })).status, 200);
    const r = await user.post<{ forbidden: { message: string } }>('/servers', { server: { name: 'big', imageRef: 'cirros', flavorRef: '4' } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, 'Quota exceeded for cores: Requested 4, but already used 0 of 3 cores');
  });

  it('never lets concurrent boots pass the quota together', async () => {
    const user = admin.as('erin:projR');
    assert.equal((await admin.put('/os-quota-sets/projR', { quota_set: { instances: 5 } })).status, 200);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => user.post('/servers', { server: { name: `race-${i}`, imageRef: 'cirros', flavorRef: '1' } })));
    const accepted = results.filter((r) => r.status === 202).length;
    assert.ok(accepted <= 5, `${accepted} boots accepted with a quota of 5`);
    assert.ok(results.every((r) => r.status === 202 || r.status === 403));
    const list = await user.get<{ servers: unknown[] }>('/servers');
    assert.equal(list.body.servers.length, accepted, 'refused boots left no instance behind');
  });

  it('applies min_count/max_count: as many as fit down to min_count', async () => {
    const user = admin.as('fay:projM');
    assert.equal((await admin.put('/os-quota-sets/projM', { quota_set: { instances: 3 } })).status, 200);
    const r = await user.post('/servers', { server: { name: 'multi', imageRef: 'cirros', flavorRef: '1', min_count: 2, max_count: 5 } });
    assert.equal(r.status, 202);
    const list = await user.get<{ servers: { name: string }[] }>('/servers');
    assert.equal(list.body.servers.length, 3);
    const refused = await user.post('/servers', { server: { name: 'multi2', imageRef: 'cirros', flavorRef: '1', min_count: 2, max_count: 2 } });
    assert.equal(refused.status, 403);
  });
});
