import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Body = Record<string, Record<string, unknown>>;
const UPTIME = /^\s*\d\d:\d\d:\d\d up .+,\s+\d+ users?,\s+load average: [\d.]+, [\d.]+, [\d.]+\n$/;

/** os-hosts, hypervisor uptime and the per-server figures over an in-process cloud with two fake computes. */
describe('os-hosts, hypervisor uptime, diagnostics, server password, external events', () => {
  let cloud: Cloud;
  let api: ApiClient;
  let server = '';
  before(async () => {
    cloud = await startCloud({ computes: ['host-a', 'host-b'] });
    api = new ApiClient(cloud.url);
    server = await api.boot('figures-1');
    await api.waitFor(server, ['ACTIVE']);
  });
  after(() => cloud.stop());

  it('lists every enabled service but the API, with its zone; filters by zone; is gone after 2.42', async () => {
    const r = await api.get<{ hosts: { host_name: string; service: string; zone: string }[] }>('/os-hosts');
    assert.equal(r.status, 200);
    const computes = r.body.hosts.filter((h) => h.service === 'compute').map((h) => [h.host_name, h.zone]);
    assert.deepEqual(computes.sort(), [
      ['host-a', 'nova'],
      ['host-b', 'nova'],
    ]);
    assert.ok(r.body.hosts.some((h) => h.service === 'scheduler' && h.zone === 'internal'));
    assert.ok(!r.body.hosts.some((h) => h.service === null));
    const internal = await api.get<{ hosts: { zone: string }[] }>('/os-hosts?zone=internal');
    assert.ok(internal.body.hosts.length > 0 && internal.body.hosts.every((h) => h.zone === 'internal'));
    assert.equal((await api.at('2.43').get('/os-hosts')).status, 404);
    assert.equal((await api.at('2.42').get('/os-hosts')).status, 200);
    const alice = await api.as('alice:projA').get('/os-hosts');
    assert.equal(alice.status, 403);
    assert.equal((alice.body as Body).forbidden?.message, "Policy doesn't allow os_compute_api:os-hosts:list to be performed.");
  });

  it("shows a host's totals, use now, use by its instances and per project", async () => {
    const host = String((await api.server(server))['OS-EXT-SRV-ATTR:host']);
    const r = await api.get<{ host: { resource: Record<string, unknown> }[] }>(`/os-hosts/${host}`);
    assert.equal(r.status, 200);
    const projects = r.body.host.map((x) => x.resource.project);
    assert.deepEqual(projects, ['(total)', '(used_now)', '(used_max)', 'admin']);
    const max = r.body.host[2]?.resource;
    assert.deepEqual(max, { host, project: '(used_max)', cpu: 1, memory_mb: 512, disk_gb: 1 });
    assert.deepEqual(Object.keys(r.body.host[0]?.resource ?? {}), ['host', 'project', 'cpu', 'memory_mb', 'disk_gb']);
    const missing = await api.get<Body>('/os-hosts/nowhere');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.itemNotFound?.message, "Host 'nowhere' is not mapped to any cell");
  });

  it('updates status and maintenance mode and runs power actions as the fake driver answers', async () => {
    const r = await api.put<Record<string, string>>('/os-hosts/host-a', { status: 'Disable', maintenance_mode: 'enable' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { host: 'host-a', status: 'disabled', maintenance_mode: 'on_maintenance' });
    assert.deepEqual((await api.put('/os-hosts/host-a', {})).body, { host: 'host-a' });
    const bad = await api.put<Body>('/os-hosts/host-a', { status: 'off' });
    assert.equal(bad.status, 400);
    // Nova prints the value with str() ("Value: off") and jsonschema's reason with repr ("'off' is not one of …").
    assert.equal(
      bad.body.badRequest?.message,
      "Invalid input for field/attribute status. Value: off. 'off' is not one of ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE']",
    );
    for (const action of ['startup', 'shutdown', 'reboot']) {
      const p = await api.get<Record<string, string>>(`/os-hosts/host-b/${action}`);
      assert.equal(p.status, 200);
      assert.deepEqual(p.body, { host: 'host-b', power_action: action });
    }
    assert.equal((await api.get<Body>('/os-hosts/nowhere/reboot')).status, 404);
  });

  it('answers a 400 for a host whose nova-compute is down', async () => {
    await cloud.stopCompute('host-b');
    await cloud.db.db.kysely
      .updateTable('services')
      .set({ last_seen_up: '2000-01-01 00:00:00.000000', updated_at: '2000-01-01 00:00:00.000000' })
      .where('host', '=', 'host-b')
      .execute();
    const r = await api.get<Body>('/os-hosts/host-b/reboot');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest?.message, 'Compute service of host-b is unavailable at this time.');
    const node = (await cloud.db.computeNodes.listByHost('host-b'))[0];
    const at288 = await api.at('2.88').get<Body>(`/os-hypervisors/${node?.uuid}`);
    assert.equal(at288.body.hypervisor?.uptime, '', 'a down host has no uptime to tell, and it is still a string');
  });

  it("gives a hypervisor's uptime on /uptime before 2.88 and in show from 2.88, always a string", async () => {
    const node = (await cloud.db.computeNodes.listByHost('host-a'))[0];
    assert.ok(node);
    const old = await api.get<Body>(`/os-hypervisors/${node.id}/uptime`);
    assert.equal(old.status, 200);
    assert.deepEqual(Object.keys(old.body.hypervisor ?? {}), ['id', 'hypervisor_hostname', 'state', 'status', 'uptime']);
    assert.match(String(old.body.hypervisor?.uptime), UPTIME);
    assert.equal((await api.at('2.88').get(`/os-hypervisors/${node.uuid}/uptime`)).status, 404);
    const shown = await api.at('2.88').get<Body>(`/os-hypervisors/${node.uuid}`);
    assert.match(String(shown.body.hypervisor?.uptime), UPTIME);
    const detail = await api.at('2.88').get<{ hypervisors: Record<string, unknown>[] }>('/os-hypervisors/detail');
    assert.ok(detail.body.hypervisors.every((h) => typeof h.uptime === 'string'));
    assert.equal((await api.at('2.87').get<Body>(`/os-hypervisors/${node.uuid}`)).body.hypervisor?.uptime, undefined);
  });

  it("answers a server's diagnostics in the driver's dict before 2.48 and the standard format from 2.48", async () => {
    const legacy = await api.get<Record<string, number>>(`/servers/${server}/diagnostics`);
    assert.equal(legacy.status, 200);
    assert.equal(legacy.body.cpu0_time, 17300000000);
    assert.equal(legacy.body.memory, 512 * 1024);
    const std = await api.at('2.48').get<Record<string, unknown>>(`/servers/${server}/diagnostics`);
    assert.equal(std.status, 200);
    assert.deepEqual(Object.keys(std.body), [
      'state',
      'driver',
      'hypervisor',
      'hypervisor_os',
      'uptime',
      'config_drive',
      'num_cpus',
      'num_nics',
      'num_disks',
      'disk_details',
      'cpu_details',
      'nic_details',
      'memory_details',
    ]);
    assert.equal(std.body.state, 'running');
    assert.equal(std.body.num_cpus, 1);
    assert.deepEqual(std.body.memory_details, { maximum: 512, used: 0 });
    const alice = await api.as('alice:admin').get<Body>(`/servers/${server}/diagnostics`);
    assert.equal(alice.status, 403);
    await api.post(`/servers/${server}/action`, { 'os-stop': null });
    await api.waitFor(server, ['SHUTOFF']);
    const off = await api.at('2.48').get<Body>(`/servers/${server}/diagnostics`);
    assert.equal(off.status, 409);
    assert.equal(off.body.conflictingRequest?.message, `Cannot 'get_diagnostics' instance ${server} while it is in power state shutdown`);
    await api.post(`/servers/${server}/action`, { 'os-start': null });
    await api.waitFor(server, ['ACTIVE']);
  });

  it('answers "" for a server password until the guest posts one, and clears it', async () => {
    const r = await api.get<{ password: string }>(`/servers/${server}/os-server-password`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { password: '' });
    const inst = await cloud.db.instances.get(server);
    const long = 'x'.repeat(300);
    await cloud.db.instances.update(server, { system_metadata: { ...inst.system_metadata, password_0: long.slice(0, 255), password_1: long.slice(255) } });
    assert.equal((await api.get<{ password: string }>(`/servers/${server}/os-server-password`)).body.password, long);
    assert.equal((await api.delete(`/servers/${server}/os-server-password`)).status, 204);
    assert.equal((await api.get<{ password: string }>(`/servers/${server}/os-server-password`)).body.password, '');
    assert.equal((await api.as('bob:projB').get(`/servers/${server}/os-server-password`)).status, 404);
  });

  it('takes external events with a code per event: 200, 404 unknown, 422 without host, 400 without a required tag', async () => {
    const unknown = '00000000-0000-4000-8000-000000000001';
    const body = {
      events: [
        { server_uuid: server, name: 'network-changed' },
        { server_uuid: unknown, name: 'network-vif-plugged', tag: 'p1' },
      ],
    };
    const r = await api.post<{ events: Record<string, unknown>[] }>('/os-server-external-events', body);
    assert.equal(r.status, 207);
    assert.deepEqual(r.body.events, [
      { server_uuid: server, name: 'network-changed', status: 'completed', code: 200 },
      { server_uuid: unknown, name: 'network-vif-plugged', tag: 'p1', status: 'failed', code: 404 },
    ]);
    const ok = await api.post<{ events: Record<string, unknown>[] }>('/os-server-external-events', {
      events: [{ server_uuid: server, name: 'network-vif-plugged', status: 'completed', tag: 't' }],
    });
    assert.equal(ok.status, 200);
    const old = await api.post<Body>('/os-server-external-events', { events: [{ server_uuid: server, name: 'power-update' }] });
    assert.equal(old.status, 400, 'power-update is an event name from 2.76');
    const untagged = await api.at('2.76').post<{ events: Record<string, unknown>[] }>('/os-server-external-events', { events: [{ server_uuid: server, name: 'power-update' }] });
    assert.equal(untagged.status, 207);
    assert.equal(untagged.body.events[0]?.code, 400);
    assert.equal((await api.as('alice:projA').post('/os-server-external-events', body)).status, 403);
    assert.equal((await api.post('/os-server-external-events', { events: [] })).status, 400);
  });
});
