import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Body = Record<string, Record<string, unknown>>;

/** os-quota-class-sets, per-user quotas (?user_id=) with enforcement, and os-instance_usage_audit_log over an in-process cloud. */
describe('quota classes, per-user quotas and the instance usage audit log', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  before(async () => {
    cloud = await startCloud({ overrides: { quota: { instances: '10', cores: '20', ram: '51200' } } });
    admin = new ApiClient(cloud.url);
  });
  after(() => cloud.stop());

  it('shows a class over the [quota] defaults, per microversion, and updates it (admin only)', async () => {
    const old = await admin.get<Body>('/os-quota-class-sets/gold');
    assert.equal(old.status, 200);
    assert.equal(old.body.quota_class_set?.id, 'gold');
    assert.equal(old.body.quota_class_set?.instances, 10);
    assert.equal(old.body.quota_class_set?.server_groups, undefined, 'no server group quotas before 2.50');
    assert.equal(old.body.quota_class_set?.fixed_ips, -1);
    const v250 = (await admin.at('2.50').get<Body>('/os-quota-class-sets/gold')).body.quota_class_set ?? {};
    assert.equal(v250.server_groups, 10);
    assert.equal(v250.fixed_ips, undefined);
    assert.equal(v250.injected_files, 5);
    assert.equal((await admin.at('2.57').get<Body>('/os-quota-class-sets/gold')).body.quota_class_set?.injected_files, undefined);
    const up = await admin.put<Body>('/os-quota-class-sets/gold', { quota_class_set: { instances: 50, cores: '40' } });
    assert.equal(up.status, 200);
    assert.equal(up.body.quota_class_set?.id, undefined);
    assert.equal(up.body.quota_class_set?.instances, 50);
    assert.equal(up.body.quota_class_set?.cores, 40);
    assert.equal((await admin.put<Body>('/os-quota-class-sets/gold', { quota_class_set: { bogus: 1 } })).status, 400);
    assert.equal((await admin.at('2.50').put<Body>('/os-quota-class-sets/gold', { quota_class_set: { fixed_ips: 1 } })).status, 400);
    const alice = await admin.as('alice:projA').get<Body>('/os-quota-class-sets/gold');
    assert.equal(alice.status, 403);
  });

  it('takes the defaults of every project from the default class', async () => {
    await admin.put('/os-quota-class-sets/default', { quota_class_set: { instances: 7 } });
    assert.equal((await admin.get<Body>('/os-quota-sets/projZ/defaults')).body.quota_set?.instances, 7);
    assert.equal((await admin.get<Body>('/os-quota-sets/projZ')).body.quota_set?.instances, 7);
    await admin.put('/os-quota-class-sets/default', { quota_class_set: { instances: 10 } });
  });

  it("shows, sets, details and deletes a user's quotas within the project's, and enforces them on create", async () => {
    const bob = new ApiClient(cloud.url, 'bob:projB');
    await admin.put('/os-quota-sets/projB', { quota_set: { instances: 5 } });
    const set = await admin.put<Body>('/os-quota-sets/projB?user_id=bob', { quota_set: { instances: 1 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.quota_set?.instances, 1);
    assert.equal(set.body.quota_set?.id, undefined);
    const show = await admin.get<Body>('/os-quota-sets/projB?user_id=bob');
    assert.equal(show.body.quota_set?.instances, 1);
    assert.equal(show.body.quota_set?.cores, 20, "the rest is the project's");
    assert.equal((await admin.get<Body>('/os-quota-sets/projB')).body.quota_set?.instances, 5);
    const tooMuch = await admin.put<Body>('/os-quota-sets/projB?user_id=bob', { quota_set: { instances: 9 } });
    assert.equal(tooMuch.status, 400);
    assert.equal(tooMuch.body.badRequest?.message, 'Quota limit 9 for instances must be less than or equal to 5.');
    const below = await admin.put<Body>('/os-quota-sets/projB', { quota_set: { instances: 0 } });
    assert.equal(
      below.body.badRequest?.message,
      'Quota limit 0 for instances must be greater than or equal to already used and reserved 1.',
      'the project keeps room for its users',
    );
    const first = await bob.boot('bob-1');
    await bob.waitFor(first, ['ACTIVE']);
    const detail = await admin.get<Record<string, Record<string, { in_use: number; limit: number }>>>('/os-quota-sets/projB/detail?user_id=bob');
    assert.deepEqual(detail.body.quota_set?.instances, { in_use: 1, limit: 1, reserved: 0 });
    const second = await bob.post<Body>('/servers', { server: { name: 'bob-2', imageRef: 'cirros', flavorRef: '1' } });
    assert.equal(second.status, 403);
    assert.equal(second.body.forbidden?.message, 'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances');
    const carol = new ApiClient(cloud.url, 'carol:projB');
    const other = await carol.boot('carol-1');
    await carol.waitFor(other, ['ACTIVE']);
    assert.equal((await admin.delete('/os-quota-sets/projB?user_id=bob')).status, 202);
    assert.equal((await admin.get<Body>('/os-quota-sets/projB?user_id=bob')).body.quota_set?.instances, 5);
    const again = await bob.boot('bob-2');
    await bob.waitFor(again, ['ACTIVE']);
  });

  it('answers the instance usage audit log of the last completed month (no host runs the audit by default)', async () => {
    const r = await admin.get<Record<string, Record<string, unknown>>>('/os-instance_usage_audit_log');
    assert.equal(r.status, 200);
    const log = r.body.instance_usage_audit_logs ?? {};
    assert.match(String(log.period_beginning), /^\d{4}-\d\d-01 00:00:00$/);
    assert.equal(log.num_hosts, 1);
    assert.deepEqual(log.hosts_not_run, ['compute1']);
    assert.equal(log.overall_status, '0 of 1 hosts done. 0 errors.');
    const at = await admin.get<Record<string, Record<string, unknown>>>('/os-instance_usage_audit_log/2012-07-05%2010:00:00');
    assert.equal(at.body.instance_usage_audit_log?.period_beginning, '2012-06-01 00:00:00');
    assert.equal(at.body.instance_usage_audit_log?.period_ending, '2012-07-01 00:00:00');
    const bad = await admin.get<Body>('/os-instance_usage_audit_log/yesterday');
    assert.equal(bad.body.badRequest?.message, 'Invalid timestamp for date yesterday');
    assert.equal((await admin.as('alice:projA').get('/os-instance_usage_audit_log')).status, 403);
  });
});
