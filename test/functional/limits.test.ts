import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, createInstance, type Harness, json, policyMessage, startApi } from './harness.ts';

type Limits = { limits: { rate: unknown[]; absolute: Record<string, number> } };

describe('limits', () => {
  let h: Harness;
  before(async () => {
    h = await startApi({ quota: { cores: '-1' } });
    await createInstance(h.db, { projectId: 'projA', vcpus: 2, memoryMb: 2048 });
    await createInstance(h.db, { projectId: 'projB', vcpus: 4, memoryMb: 4096 });
  });
  after(async () => {
    await h.close();
  });

  it('GET /limits at 2.1: every absolute limit and usage; -1 for unlimited', async () => {
    const res = await h.call('GET', '/v2.1/limits', { token: ALICE });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), {
      limits: {
        rate: [],
        absolute: {
          maxTotalRAMSize: 51200,
          maxTotalInstances: 10,
          maxTotalCores: -1,
          maxTotalKeypairs: 100,
          maxTotalFloatingIps: -1,
          maxServerMeta: 128,
          maxImageMeta: 128,
          maxPersonality: 5,
          maxPersonalitySize: 10240,
          maxSecurityGroups: -1,
          maxSecurityGroupRules: -1,
          maxServerGroups: 10,
          maxServerGroupMembers: 10,
          totalRAMUsed: 2048,
          totalCoresUsed: 2,
          totalInstancesUsed: 1,
          totalFloatingIpsUsed: 0,
          totalSecurityGroupsUsed: 0,
          totalServerGroupsUsed: 0,
        },
      },
    });
  });

  it('fields by microversion: network ones go at 2.36, maxImageMeta at 2.39, personality at 2.57', async () => {
    const keys = async (version: string) => Object.keys(json<Limits>(await h.call('GET', '/v2.1/limits', { token: ALICE, version })).limits.absolute).sort();
    const v236 = await keys('2.36');
    assert.ok(v236.includes('maxImageMeta'));
    assert.ok(!v236.includes('maxTotalFloatingIps') && !v236.includes('maxSecurityGroups') && !v236.includes('totalFloatingIpsUsed'));
    assert.ok(!(await keys('2.39')).includes('maxImageMeta'));
    assert.deepEqual(await keys('2.57'), [
      'maxServerGroupMembers',
      'maxServerGroups',
      'maxServerMeta',
      'maxTotalCores',
      'maxTotalInstances',
      'maxTotalKeypairs',
      'maxTotalRAMSize',
      'totalCoresUsed',
      'totalInstancesUsed',
      'totalRAMUsed',
      'totalServerGroupsUsed',
    ]);
  });

  it('follows per-project quotas; tenant_id is for admins', async () => {
    await h.call('PUT', '/v2.1/os-quota-sets/projB', { body: { quota_set: { instances: 3 } } });
    let res = await h.call('GET', '/v2.1/limits?tenant_id=projB');
    const abs = json<Limits>(res).limits.absolute;
    assert.equal(abs.maxTotalInstances, 3);
    assert.equal(abs.totalCoresUsed, 4);
    res = await h.call('GET', '/v2.1/limits?tenant_id=projB', { token: ALICE });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:limits:other_project') } });
    res = await h.call('GET', '/v2.1/limits?reserved=1', { token: ALICE, version: '2.74' });
    assert.equal(res.statusCode, 200);
    res = await h.call('GET', '/v2.1/limits?reserved=1', { token: ALICE, version: '2.75' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(json(res), { badRequest: { code: 400, message: "Additional properties are not allowed ('reserved' was unexpected)" } });
  });

  it('needs authentication', async () => {
    const res = await h.call('GET', '/v2.1/limits', { token: null });
    assert.equal(res.statusCode, 401);
  });
});
