import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ComputeNodeDTO } from '../../src/objects/compute-node.ts';
import type { ServiceDTO } from '../../src/objects/service.ts';
import { ALICE, createComputeHost, createComputeNode, createInstance, type Harness, json, policyMessage, startApi } from './harness.ts';

type Hyp = Record<string, unknown>;
type Hyps = { hypervisors: Hyp[]; hypervisors_links?: { rel: string; href: string }[] };
const msg = (res: { body: string }) => (Object.values(JSON.parse(res.body) as Record<string, { message: string }>)[0] as { message: string }).message;

const DETAIL_21 = [
  'id',
  'hypervisor_hostname',
  'state',
  'status',
  'hypervisor_type',
  'hypervisor_version',
  'host_ip',
  'service',
  'vcpus',
  'memory_mb',
  'local_gb',
  'vcpus_used',
  'memory_mb_used',
  'local_gb_used',
  'free_ram_mb',
  'free_disk_gb',
  'current_workload',
  'running_vms',
  'disk_available_least',
  'cpu_info',
];

describe('os-hypervisors', () => {
  let h: Harness;
  let n1: { service: ServiceDTO; node: ComputeNodeDTO };
  let n2: { service: ServiceDTO; node: ComputeNodeDTO };
  let n3: { service: ServiceDTO; node: ComputeNodeDTO };
  let vm: { uuid: string; id: number };

  before(async () => {
    h = await startApi();
    n1 = await createComputeHost(h.db, 'fake-compute-1');
    n2 = await createComputeHost(h.db, 'fake-compute-2', { disabled: true, disabledReason: 'tired', inventory: { reserved_vcpus: 2, reserved_disk_gb: 10 } });
    n3 = await createComputeHost(h.db, 'other-3', { up: false });
    await h.db.computeNodes.claim(n1.node.id, 'c0ffee00-0000-0000-0000-000000000001', { vcpus: 2, memory_mb: 1024, disk_gb: 20 });
    vm = await createInstance(h.db, { host: 'fake-compute-1' });
    // A node whose service was deleted is not listed.
    await createComputeNode(h.db, 'orphan', null);
  });
  after(async () => {
    await h.close();
  });

  it('GET /os-hypervisors/detail at 2.1 matches the trace (reserved amounts included in *_used)', async () => {
    const res = await h.call('GET', '/v2.1/os-hypervisors/detail', { legacyHeader: true, version: '2.1' });
    assert.equal(res.statusCode, 200);
    const list = json<Hyps>(res).hypervisors;
    assert.equal(list.length, 3);
    const hv = list[0] as Hyp;
    assert.deepEqual(Object.keys(hv), DETAIL_21);
    assert.equal(hv.id, n1.node.id);
    assert.deepEqual(hv.service, { id: n1.service.id, host: 'fake-compute-1', disabled_reason: null });
    assert.equal(hv.state, 'up');
    assert.equal(hv.status, 'enabled');
    assert.equal(hv.memory_mb_used, 512 + 1024);
    assert.equal(hv.free_ram_mb, 800000 - 1536);
    assert.equal(hv.vcpus_used, 2);
    assert.equal(hv.local_gb_used, 20);
    assert.equal(hv.free_disk_gb, 600000 - 20);
    assert.equal(hv.running_vms, 1);
    assert.equal(typeof hv.cpu_info, 'string');
    assert.equal(JSON.parse(hv.cpu_info as string).arch, 'x86_64');
    const disabled = list[1] as Hyp;
    assert.equal(disabled.status, 'disabled');
    assert.equal(disabled.vcpus_used, 2);
    assert.equal(disabled.local_gb_used, 10);
    assert.equal((list[2] as Hyp).state, 'down');
    assert.equal(json<Hyps>(res).hypervisors_links, undefined);
  });

  it('index: id, hypervisor_hostname, state, status', async () => {
    const list = json<Hyps>(await h.call('GET', '/v2.1/os-hypervisors')).hypervisors;
    assert.deepEqual(list[0], { id: n1.node.id, hypervisor_hostname: 'fake-compute-1', state: 'up', status: 'enabled' });
  });

  it('cpu_info is an object from 2.28; uuids from 2.53; 2.88 drops the usage fields and adds uptime', async () => {
    let hv = json<Hyps>(await h.call('GET', '/v2.1/os-hypervisors/detail', { version: '2.28' })).hypervisors[0] as Hyp;
    assert.equal((hv.cpu_info as Record<string, unknown>).arch, 'x86_64');
    hv = json<Hyps>(await h.call('GET', '/v2.1/os-hypervisors/detail', { version: '2.53' })).hypervisors[0] as Hyp;
    assert.equal(hv.id, n1.node.uuid);
    assert.equal((hv.service as Hyp).id, n1.service.uuid);
    hv = json<Hyps>(await h.call('GET', '/v2.1/os-hypervisors/detail', { version: '2.88' })).hypervisors[0] as Hyp;
    assert.deepEqual(Object.keys(hv), ['id', 'hypervisor_hostname', 'state', 'status', 'hypervisor_type', 'hypervisor_version', 'host_ip', 'service', 'uptime']);
  });

  it('pages from 2.33 with hypervisors_links', async () => {
    let body = json<Hyps>(await h.call('GET', '/v2.1/os-hypervisors?limit=1', { version: '2.33' }));
    assert.equal(body.hypervisors.length, 1);
    assert.deepEqual(body.hypervisors_links, [{ rel: 'next', href: `http://localhost:80/v2.1/os-hypervisors?limit=1&marker=${n1.node.id}` }]);
    body = json<Hyps>(await h.call('GET', `/v2.1/os-hypervisors/detail?limit=2&marker=${n1.node.uuid}`, { version: '2.53' }));
    assert.deepEqual(
      body.hypervisors.map((x) => x.id),
      [n2.node.uuid, n3.node.uuid],
    );
    assert.deepEqual(body.hypervisors_links, [{ rel: 'next', href: `http://localhost:80/v2.1/os-hypervisors/detail?limit=2&marker=${n3.node.uuid}` }]);
    const bad = await h.call('GET', '/v2.1/os-hypervisors?marker=nope', { version: '2.53' });
    assert.equal(bad.statusCode, 400);
    assert.equal(msg(bad), 'marker [nope] not found');
    // Before 2.33 limit is ignored.
    assert.equal(json<Hyps>(await h.call('GET', '/v2.1/os-hypervisors?limit=1')).hypervisors.length, 3);
  });

  it('hypervisor_hostname_pattern and with_servers from 2.53', async () => {
    let res = await h.call('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=fake&with_servers=true', { version: '2.53' });
    const list = json<Hyps>(res).hypervisors;
    assert.equal(list.length, 2);
    assert.deepEqual((list[0] as Hyp).servers, [{ name: `instance-${vm.id.toString(16).padStart(8, '0')}`, uuid: vm.uuid }]);
    assert.equal((list[1] as Hyp).servers, undefined);
    res = await h.call('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=fake&with_servers=1', { version: '2.75' });
    assert.deepEqual((json<Hyps>(res).hypervisors[1] as Hyp).servers, []);
    res = await h.call('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=nothing', { version: '2.53' });
    assert.equal(res.statusCode, 404);
    assert.equal(msg(res), "No hypervisor matching 'nothing' could be found.");
    res = await h.call('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=fake&limit=1', { version: '2.53' });
    assert.equal(res.statusCode, 400);
    assert.equal(msg(res), 'Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
  });

  it('bad query strings are 400s', async () => {
    const cases: [string, string][] = [
      ['/v2.1/os-hypervisors?limit=x', "Invalid input for query parameters limit. Value: x. 'x' does not match '^[0-9]*$'"],
      ['/v2.1/os-hypervisors?limit=1&limit=2', "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long"],
      ['/v2.1/os-hypervisors?with_servers=perhaps', "Invalid input for query parameters with_servers. Value: perhaps. 'perhaps' is not one of"],
      ['/v2.1/os-hypervisors?hypervisor_hostname_pattern=a%20b', "Invalid input for query parameters hypervisor_hostname_pattern. Value: a b. 'a b' does not match"],
      ['/v2.1/os-hypervisors?bogus=1', "Additional properties are not allowed ('bogus' was unexpected)"],
      ['/v2.1/os-hypervisors/detail?with_servers=', "Invalid input for query parameters with_servers. Value: . '' is not one of"],
    ];
    for (const [url, message] of cases) {
      const res = await h.call('GET', url, { version: '2.53' });
      assert.equal(res.statusCode, 400, url);
      assert.ok(msg(res).startsWith(message), `${url}: ${msg(res)}`);
    }
    const show = await h.call('GET', `/v2.1/os-hypervisors/${n1.node.uuid}?limit=1`, { version: '2.53' });
    assert.equal(show.statusCode, 400);
  });

  it('GET /os-hypervisors/{id}: integer before 2.53, uuid after', async () => {
    let res = await h.call('GET', `/v2.1/os-hypervisors/${n1.node.id}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(Object.keys(json<{ hypervisor: Hyp }>(res).hypervisor), DETAIL_21);
    res = await h.call('GET', '/v2.1/os-hypervisors/abc');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(json(res), { itemNotFound: { code: 404, message: "Hypervisor with ID 'abc' could not be found." } });
    res = await h.call('GET', '/v2.1/os-hypervisors/999');
    assert.equal(msg(res), "Hypervisor with ID '999' could not be found.");
    res = await h.call('GET', '/v2.1/os-hypervisors/12', { version: '2.53' });
    assert.equal(res.statusCode, 400);
    assert.equal(msg(res), 'Invalid uuid 12');
    res = await h.call('GET', `/v2.1/os-hypervisors/${n1.node.uuid}?with_servers=true`, { version: '2.53' });
    assert.equal((json<{ hypervisor: Hyp }>(res).hypervisor.servers as unknown[]).length, 1);
  });

  it('statistics (≤2.87) sum the nodes of enabled compute services', async () => {
    let res = await h.call('GET', '/v2.1/os-hypervisors/statistics');
    assert.equal(res.statusCode, 200);
    const stats = json<{ hypervisor_statistics: Record<string, number> }>(res).hypervisor_statistics;
    assert.deepEqual(Object.keys(stats), [
      'count',
      'vcpus',
      'memory_mb',
      'local_gb',
      'vcpus_used',
      'memory_mb_used',
      'local_gb_used',
      'free_ram_mb',
      'free_disk_gb',
      'current_workload',
      'running_vms',
      'disk_available_least',
    ]);
    assert.equal(stats.count, 2);
    assert.equal(stats.vcpus, 2000);
    assert.equal(stats.memory_mb_used, 1536 + 512);
    assert.equal(stats.running_vms, 1);
    res = await h.call('GET', '/v2.1/os-hypervisors/statistics', { version: '2.88' });
    assert.equal(res.statusCode, 404);
  });

  it('uptime (≤2.87): 400 for a down host, 501 otherwise; search and servers (≤2.52)', async () => {
    let res = await h.call('GET', `/v2.1/os-hypervisors/${n3.node.id}/uptime`);
    assert.equal(res.statusCode, 400);
    assert.equal(msg(res), 'Compute service of other-3 is unavailable at this time.');
    res = await h.call('GET', `/v2.1/os-hypervisors/${n1.node.id}/uptime`);
    assert.equal(res.statusCode, 501);
    assert.equal((await h.call('GET', `/v2.1/os-hypervisors/${n1.node.uuid}/uptime`, { version: '2.88' })).statusCode, 404);

    res = await h.call('GET', '/v2.1/os-hypervisors/fake-compute/search');
    assert.deepEqual(
      json<Hyps>(res).hypervisors.map((x) => x.hypervisor_hostname),
      ['fake-compute-1', 'fake-compute-2'],
    );
    res = await h.call('GET', '/v2.1/os-hypervisors/compute-1/servers');
    assert.deepEqual((json<Hyps>(res).hypervisors[0] as Hyp).servers, [{ name: `instance-${vm.id.toString(16).padStart(8, '0')}`, uuid: vm.uuid }]);
    res = await h.call('GET', '/v2.1/os-hypervisors/zzz/search');
    assert.equal(res.statusCode, 404);
    assert.equal((await h.call('GET', '/v2.1/os-hypervisors/fake/search', { version: '2.53' })).statusCode, 404);
  });

  it('is admin-only', async () => {
    for (const [url, rule] of [
      ['/v2.1/os-hypervisors', 'list'],
      ['/v2.1/os-hypervisors/detail', 'list-detail'],
      ['/v2.1/os-hypervisors/statistics', 'statistics'],
      [`/v2.1/os-hypervisors/${n1.node.id}`, 'show'],
      [`/v2.1/os-hypervisors/${n1.node.id}/uptime`, 'uptime'],
      ['/v2.1/os-hypervisors/fake/search', 'search'],
      ['/v2.1/os-hypervisors/fake/servers', 'servers'],
    ] as const) {
      const res = await h.call('GET', url, { token: ALICE });
      assert.equal(res.statusCode, 403, url);
      assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage(`os_compute_api:os-hypervisors:${rule}`) } });
    }
  });
});
