import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

/**
 * The server lifecycle on the embedded defaults (SQLite, in-process bus),
 * with three compute services: boot, spread, actions and their 409s,
 * delete and release of resources.
 */
describe('server lifecycle on the embedded defaults (three computes)', () => {
  let cloud: Cloud;
  let api: ApiClient;
  before(async () => {
    // Each host: (4096 - 512 reserved) / 512 = 7 m1.tiny instances of RAM.
    cloud = await startCloud({ computes: ['c1', 'c2', 'c3'], overrides: { fake: { memory_mb: '4096', vcpus: '64', local_gb: '100' } } });
    api = new ApiClient(cloud.url);
  });
  after(() => cloud.stop());

  const hostOf = (s: Record<string, unknown>) => s['OS-EXT-SRV-ATTR:host'] as string;

  it('boots servers concurrently and spreads them across hosts by free RAM', async () => {
    const ids = await Promise.all(Array.from({ length: 15 }, (_, i) => api.boot(`spread-${i}`)));
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    const perHost = new Map<string, number>();
    for (const s of servers) perHost.set(hostOf(s), (perHost.get(hostOf(s)) ?? 0) + 1);
    assert.deepEqual([...perHost.keys()].sort(), ['c1', 'c2', 'c3']);
    assert.deepEqual([...perHost.values()], [5, 5, 5], `RAMWeigher spreads evenly: ${JSON.stringify([...perHost])}`);
    for (const s of servers) {
      assert.equal(s['OS-EXT-STS:power_state'], 1);
      assert.equal(s['OS-EXT-AZ:availability_zone'], 'nova');
      assert.ok(s['OS-SRV-USG:launched_at']);
    }
    for (const id of ids) assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    await Promise.all(ids.map((id) => api.waitGone(id)));
  });

  it('fills the hosts, then fails a boot with No valid host and the reason per filter', async () => {
    const ids = await Promise.all(Array.from({ length: 21 }, (_, i) => api.boot(`fill-${i}`)));
    await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    const extra = await api.boot('one-too-many');
    const s = await api.waitFor(extra, ['ERROR']);
    const fault = s.fault as { code: number; message: string };
    assert.equal(fault.code, 500);
    assert.match(fault.message, /^No valid host was found\./);
    assert.match(fault.message, /RamFilter rejected 3 of 3 hosts/);
    for (const node of await cloud.db.computeNodes.list()) {
      assert.ok(node.memory_mb_used <= (node.memory_mb - node.reserved_memory_mb) * node.ram_allocation_ratio, 'no host over its limit');
    }
    for (const id of [...ids, extra]) await api.delete(`/servers/${id}`);
    await Promise.all([...ids, extra].map((id) => api.waitGone(id)));
    for (const node of await cloud.db.computeNodes.list()) {
      assert.equal(node.memory_mb_used, 0, 'every claim released');
      assert.equal(node.vcpus_used, 0);
      assert.equal(node.running_vms, 0);
    }
  });

  it('runs every action through its states and answers 409 where Nova does', async () => {
    const id = await api.boot('actor');
    await api.waitFor(id, ['ACTIVE']);
    const act = (body: unknown) => api.post(`/servers/${id}/action`, body);
    const conflict = async (body: unknown, text: RegExp) => {
      const r = await act(body);
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.match((r.body as { conflictingRequest: { message: string } }).conflictingRequest.message, text);
    };

    await conflict({ 'os-start': null }, new RegExp(`Cannot 'start' instance ${id} while it is in vm_state active`));
    await conflict({ resume: null }, /Cannot 'resume' instance .* while it is in vm_state active/);
    await conflict({ unpause: null }, /Cannot 'unpause' instance .* while it is in vm_state active/);

    assert.equal((await act({ 'os-stop': null })).status, 202);
    assert.equal((await api.waitFor(id, ['SHUTOFF']))['OS-EXT-STS:power_state'], 4);
    await conflict({ pause: null }, /Cannot 'pause' instance .* while it is in vm_state stopped/);
    await conflict({ reboot: { type: 'SOFT' } }, /Cannot 'reboot' instance .* while it is in vm_state stopped/);
    await conflict({ 'os-stop': null }, /Cannot 'stop' instance .* while it is in vm_state stopped/);
    assert.equal((await act({ 'os-start': null })).status, 202);
    await api.waitFor(id, ['ACTIVE']);

    assert.equal((await act({ pause: null })).status, 202);
    assert.equal((await api.waitFor(id, ['PAUSED']))['OS-EXT-STS:power_state'], 3);
    await conflict({ suspend: null }, /vm_state paused/);
    assert.equal((await act({ unpause: null })).status, 202);
    await api.waitFor(id, ['ACTIVE']);

    assert.equal((await act({ suspend: null })).status, 202);
    assert.equal((await api.waitFor(id, ['SUSPENDED']))['OS-EXT-STS:power_state'], 7);
    assert.equal((await act({ resume: null })).status, 202);
    await api.waitFor(id, ['ACTIVE']);

    assert.equal((await act({ reboot: { type: 'SOFT' } })).status, 202);
    await api.waitFor(id, ['ACTIVE']);
    assert.equal((await act({ reboot: { type: 'HARD' } })).status, 202);
    await api.waitFor(id, ['ACTIVE']);
    const bad = await act({ reboot: { type: 'GENTLE' } });
    assert.equal(bad.status, 400);

    const out = await act({ 'os-getConsoleOutput': { length: 1 } });
    assert.equal(out.status, 200);
    assert.equal((out.body as { output: string }).output, 'rebooted\n');

    // A locked server refuses a normal user's actions, not an admin's.
    const owner = api.as('admin:admin');
    assert.equal((await owner.post(`/servers/${id}/action`, { lock: null })).status, 202);
    assert.equal((await api.at('2.9').server(id)).locked, true);
    assert.equal((await owner.post(`/servers/${id}/action`, { unlock: null })).status, 202);

    const actions = await api.at('2.84').get<{ instanceActions: { action: string; request_id: string }[] }>(`/servers/${id}/os-instance-actions`);
    assert.deepEqual(
      actions.body.instanceActions.map((a) => a.action),
      ['unlock', 'lock', 'reboot', 'reboot', 'resume', 'suspend', 'unpause', 'pause', 'start', 'stop', 'create'],
    );
    const create = actions.body.instanceActions.at(-1) as { request_id: string };
    const detail = await api.at('2.84').get<{ instanceAction: { events: { event: string; result: string }[] } }>(`/servers/${id}/os-instance-actions/${create.request_id}`);
    assert.deepEqual(
      detail.body.instanceAction.events.map((e) => [e.event, e.result]),
      [
        ['schedule_instances', 'Success'],
        ['compute__do_build_and_run_instance', 'Success'],
      ],
    );
    assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    await api.waitGone(id);
  });

  it('hides servers of other projects (404) and lists only the caller’s', async () => {
    const alice = api.as('alice:projA');
    const bob = api.as('bob:projB');
    const id = await alice.boot('alice-vm');
    await alice.waitFor(id, ['ACTIVE']);
    assert.equal((await bob.get(`/servers/${id}`)).status, 404);
    assert.equal((await bob.delete(`/servers/${id}`)).status, 404);
    assert.equal((await bob.post(`/servers/${id}/action`, { 'os-stop': null })).status, 404);
    const bobs = await bob.get<{ servers: unknown[] }>('/servers');
    assert.equal(bobs.body.servers.length, 0);
    assert.equal((await bob.get('/servers?all_tenants=1')).status, 403);
    const all = await api.get<{ servers: { id: string }[] }>('/servers?all_tenants=1');
    assert.ok(all.body.servers.some((s) => s.id === id));
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
  });

  it('pages through servers with limit and marker, following servers_links', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => api.boot(`page-${i}`)));
    const seen: string[] = [];
    let url = '/servers?limit=2&name=^page-';
    for (let i = 0; i < 5 && url; i++) {
      const r = await api.get<{ servers: { id: string }[]; servers_links?: { href: string }[] }>(url);
      seen.push(...r.body.servers.map((s) => s.id));
      const next = r.body.servers_links?.[0]?.href;
      url = next ? next.slice(next.indexOf('/v2.1') + 5) : '';
    }
    assert.deepEqual([...seen].sort(), [...ids].sort());
    const sorted = await api.get<{ servers: { name: string }[] }>('/servers/detail?name=^page-&sort_key=display_name&sort_dir=asc');
    assert.deepEqual(
      sorted.body.servers.map((s) => s.name),
      ['page-0', 'page-1', 'page-2', 'page-3', 'page-4'],
    );
    assert.equal((await api.get('/servers?sort_key=nonsense')).status, 400);
    assert.equal((await api.get('/servers?limit=-1')).status, 400);
    assert.equal((await api.get('/servers?marker=00000000-0000-0000-0000-000000000000')).status, 400);
    for (const id of ids) await api.delete(`/servers/${id}`);
    await Promise.all(ids.map((id) => api.waitGone(id)));
  });
});

describe('failures on compute hosts', () => {
  it('reschedules a failed spawn to another host and records both attempts', async () => {
    // 'bad' has more free RAM, so the RAM weigher tries it first; its spawns always fail.
    const cloud = await startCloud({
      computes: [
        { host: 'bad', overrides: { fake: { spawn_failure_rate: '1', memory_mb: '16384' } } },
        { host: 'good', overrides: { fake: { memory_mb: '8192' } } },
      ],
    });
    try {
      const api = new ApiClient(cloud.url);
      const id = await api.boot('phoenix');
      const s = await api.waitFor(id, ['ACTIVE', 'ERROR']);
      assert.equal(s.status, 'ACTIVE');
      assert.equal(s['OS-EXT-SRV-ATTR:host'], 'good');
      const actions = await api.get<{ instanceActions: { request_id: string }[] }>(`/servers/${id}/os-instance-actions`);
      const create = actions.body.instanceActions[0] as { request_id: string };
      const detail = await api
        .at('2.62')
        .get<{ instanceAction: { events: { event: string; result: string; host: string }[] } }>(`/servers/${id}/os-instance-actions/${create.request_id}`);
      assert.deepEqual(
        detail.body.instanceAction.events.filter((e) => e.event === 'compute__do_build_and_run_instance').map((e) => [e.host, e.result]),
        [
          ['bad', 'Error'],
          ['good', 'Success'],
        ],
      );
      for (const n of await cloud.db.computeNodes.list()) assert.equal(n.memory_mb_used, n.host === 'good' ? 512 : 0, `claims on ${n.host}`);

      // A host forced by an admin is not rescheduled away from.
      const forced = await api.boot('forced', { availability_zone: 'nova:bad' });
      assert.equal((await api.waitFor(forced, ['ERROR'])).status, 'ERROR');
    } finally {
      await cloud.stop();
    }
  });

  it('gives up after [scheduler] max_attempts hosts failed', async () => {
    const failing = { fake: { spawn_failure_rate: '1' } };
    const cloud = await startCloud({ computes: ['a', 'b', 'c'].map((host) => ({ host, overrides: failing })), overrides: { scheduler: { max_attempts: '2' } } });
    try {
      const api = new ApiClient(cloud.url);
      const id = await api.boot('doomed');
      const s = await api.waitFor(id, ['ERROR']);
      assert.match((s.fault as { message: string }).message, /^Exceeded maximum number of retries/);
      const nodes = await cloud.db.computeNodes.list();
      assert.equal(
        nodes.reduce((n, x) => n + x.memory_mb_used, 0),
        0,
        'failed attempts released their claims',
      );
    } finally {
      await cloud.stop();
    }
  });

  it('deletes a server locally when its compute host is down', async () => {
    const cloud = await startCloud({ computes: ['lonely'], overrides: { DEFAULT: { service_down_time: '2' } } });
    try {
      const api = new ApiClient(cloud.url);
      const id = await api.boot('orphan');
      await api.waitFor(id, ['ACTIVE']);
      await cloud.stopCompute('lonely');
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await api.delete(`/servers/${id}`)).status, 204);
      await api.waitGone(id, 5000);
      assert.equal((await cloud.db.computeNodes.list())[0]?.memory_mb_used, 0);
    } finally {
      await cloud.stop();
    }
  });
});
