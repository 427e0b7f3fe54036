import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, createInstance, type Harness, json, policyMessage, startApi } from './harness.ts';

type QuotaSet = Record<string, unknown>;
const msg = (res: { body: string }) => (Object.values(JSON.parse(res.body) as Record<string, { message: string }>)[0] as { message: string }).message;

const ALL = [
  'cores',
  'fixed_ips',
  'floating_ips',
  'id',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
  'injected_files',
  'instances',
  'key_pairs',
  'metadata_items',
  'ram',
  'security_group_rules',
  'security_groups',
  'server_group_members',
  'server_groups',
];
const V236 = ALL.filter((k) => !['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'].includes(k));
const V257 = V236.filter((k) => !k.startsWith('injected_'));

describe('os-quota-sets', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
    await createInstance(h.db, { projectId: 'projA', vcpus: 2, memoryMb: 1024 });
    await createInstance(h.db, { projectId: 'projA', vcpus: 1, memoryMb: 512 });
  });
  after(async () => {
    await h.close();
  });

  it('GET /os-quota-sets/{project}: the [quota] defaults, fields by microversion', async () => {
    const res = await h.call('GET', '/v2.1/os-quota-sets/projA', { token: ALICE });
    assert.equal(res.statusCode, 200);
    let qs = json<{ quota_set: QuotaSet }>(res).quota_set;
    assert.deepEqual(Object.keys(qs).sort(), ALL);
    assert.deepEqual(qs, {
      id: 'projA',
      cores: 20,
      fixed_ips: -1,
      floating_ips: -1,
      injected_file_content_bytes: 10240,
      injected_file_path_bytes: 255,
      injected_files: 5,
      instances: 10,
      key_pairs: 100,
      metadata_items: 128,
      ram: 51200,
      security_group_rules: -1,
      security_groups: -1,
      server_group_members: 10,
      server_groups: 10,
    });
    qs = json<{ quota_set: QuotaSet }>(await h.call('GET', '/v2.1/os-quota-sets/projA', { token: ALICE, version: '2.36' })).quota_set;
    assert.deepEqual(Object.keys(qs).sort(), V236);
    qs = json<{ quota_set: QuotaSet }>(await h.call('GET', '/v2.1/os-quota-sets/projA', { token: ALICE, version: '2.57' })).quota_set;
    assert.deepEqual(Object.keys(qs).sort(), V257);
  });

  it('defaults are open to anyone; other projects are 403 for non-admins', async () => {
    let res = await h.call('GET', '/v2.1/os-quota-sets/projB/defaults', { token: ALICE, version: '2.57' });
    assert.equal(res.statusCode, 200);
    assert.equal(json<{ quota_set: QuotaSet }>(res).quota_set.id, 'projB');
    res = await h.call('GET', '/v2.1/os-quota-sets/projB', { token: ALICE });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-quota-sets:show') } });
    res = await h.call('GET', '/v2.1/os-quota-sets/projB/detail', { token: ALICE });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-quota-sets:detail') } });
    res = await h.call('GET', '/v2.1/os-quota-sets/projB');
    assert.equal(res.statusCode, 200);
  });

  it('detail: in_use, limit, reserved', async () => {
    const res = await h.call('GET', '/v2.1/os-quota-sets/projA/detail', { token: ALICE, version: '2.57' });
    const qs = json<{ quota_set: Record<string, unknown> }>(res).quota_set;
    assert.deepEqual(Object.keys(qs).sort(), V257);
    assert.deepEqual(qs.instances, { in_use: 2, limit: 10, reserved: 0 });
    assert.deepEqual(qs.cores, { in_use: 3, limit: 20, reserved: 0 });
    assert.deepEqual(qs.ram, { in_use: 1536, limit: 51200, reserved: 0 });
    assert.deepEqual(qs.key_pairs, { in_use: 0, limit: 100, reserved: 0 });
  });

  it('PUT (admin) sets limits and answers without id; DELETE (202) restores the defaults', async () => {
    let res = await h.call('PUT', '/v2.1/os-quota-sets/projA', { version: '2.57', body: { quota_set: { instances: 5, cores: '-1', ram: 4096 } } });
    assert.equal(res.statusCode, 200);
    const qs = json<{ quota_set: QuotaSet }>(res).quota_set;
    assert.equal(qs.id, undefined);
    assert.equal(qs.instances, 5);
    assert.equal(qs.cores, -1);
    assert.equal(qs.ram, 4096);
    assert.deepEqual(
      Object.keys(qs).sort(),
      V257.filter((k) => k !== 'id'),
    );
    res = await h.call('GET', '/v2.1/os-quota-sets/projA', { token: ALICE });
    assert.equal(json<{ quota_set: QuotaSet }>(res).quota_set.instances, 5);
    res = await h.call('DELETE', '/v2.1/os-quota-sets/projA');
    assert.equal(res.statusCode, 202);
    res = await h.call('GET', '/v2.1/os-quota-sets/projA', { token: ALICE });
    assert.equal(json<{ quota_set: QuotaSet }>(res).quota_set.instances, 10);
  });

  it('PUT below current usage is a 400 unless forced', async () => {
    let res = await h.call('PUT', '/v2.1/os-quota-sets/projA', { body: { quota_set: { instances: 1 } } });
    assert.equal(res.statusCode, 400);
    assert.equal(msg(res), 'Quota limit 1 for instances must be greater than or equal to already used and reserved 2.');
    res = await h.call('PUT', '/v2.1/os-quota-sets/projA', { body: { quota_set: { instances: 1, force: 'True' } } });
    assert.equal(res.statusCode, 200);
    assert.equal(json<{ quota_set: QuotaSet }>(res).quota_set.instances, 1);
    await h.call('DELETE', '/v2.1/os-quota-sets/projA');
  });

  it('PUT validation and policy', async () => {
    const cases: [string, unknown, RegExp | string][] = [
      ['2.1', { quota_set: { instances: -2 } }, 'Invalid input for field/attribute instances. Value: -2. -2 is less than the minimum of -1'],
      ['2.1', { quota_set: { instances: '-2' } }, 'Invalid input for field/attribute instances. Value: -2. -2 is less than the minimum of -1'],
      ['2.1', { quota_set: { instances: 2147483648 } }, /greater than the maximum of 2147483647/],
      ['2.1', { quota_set: { instances: 'ten' } }, /field\/attribute instances\..*does not match/],
      ['2.1', { quota_set: { instances: 1.5 } }, /field\/attribute instances\..*is not of type 'integer', 'string'/],
      ['2.1', { quota_set: { bogus: 1 } }, /Additional properties are not allowed \('bogus' was unexpected\)/],
      ['2.1', { quota_set: { networks: 1 } }, 'The networks quota has been removed'],
      ['2.36', { quota_set: { floating_ips: 1 } }, /'floating_ips' was unexpected/],
      ['2.57', { quota_set: { injected_files: 1 } }, /'injected_files' was unexpected/],
      ['2.1', { quota_set: { force: 'perhaps' } }, /field\/attribute force\./],
      ['2.1', { quota_set: 'all' }, /field\/attribute quota_set\./],
      ['2.1', {}, /'quota_set' is a required property/],
    ];
    for (const [version, body, expected] of cases) {
      const res = await h.call('PUT', '/v2.1/os-quota-sets/projA', { version, body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      if (typeof expected === 'string') assert.equal(msg(res), expected);
      else assert.match(msg(res), expected);
    }
    let res = await h.call('PUT', '/v2.1/os-quota-sets/projA', { token: ALICE, body: { quota_set: { instances: 50 } } });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-quota-sets:update') } });
    res = await h.call('DELETE', '/v2.1/os-quota-sets/projA', { token: ALICE });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-quota-sets:delete') } });
    res = await h.call('GET', '/v2.1/os-quota-sets/projA?foo=bar', { version: '2.75' });
    assert.equal(res.statusCode, 400);
    res = await h.call('GET', '/v2.1/os-quota-sets/projA?user_id=alice', { version: '2.75' });
    assert.equal(res.statusCode, 200);
    res = await h.call('PUT', '/v2.1/os-quota-sets/projA?user_id=alice', { body: { quota_set: { instances: 50 } } });
    assert.equal(res.statusCode, 400);
  });
});
