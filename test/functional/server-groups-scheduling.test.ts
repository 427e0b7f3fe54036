import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

/**
 * Server group policies through the whole cloud (API, scheduler, conductor,
 * three fake computes): anti-affinity spreads and refuses a fourth, affinity
 * keeps the members together, the soft policies prefer but never refuse, and
 * deleting a member makes room again. Placements within one request and
 * within one scheduler batch see each other.
 */
describe('server group scheduling (three computes)', () => {
  let cloud: Cloud;
  let api: ApiClient;
  before(async () => {
    cloud = await startCloud({
      computes: ['h1', 'h2', 'h3'],
      overrides: { fake: { memory_mb: '16384', vcpus: '64', local_gb: '100' }, filter_scheduler: { soft_affinity_weight_multiplier: '10' } },
    });
    api = new ApiClient(cloud.url);
  });
  after(() => cloud.stop());

  const hostOf = (s: Record<string, unknown>) => s['OS-EXT-SRV-ATTR:host'] as string;

  async function group(policy: string, rules?: Record<string, number>): Promise<string> {
    const body = { server_group: { name: `g-${policy}`, policy, ...(rules ? { rules } : {}) } };
    const r = await api.at('2.64').post<{ server_group: { id: string } }>('/os-server-groups', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.server_group.id;
  }

  /** Boot `count` servers in one request into the group; their ids, in launch order. */
  async function boot(name: string, groupId: string, count = 1): Promise<string[]> {
    const r = await api.post<{ reservation_id: string }>('/servers', {
      server: { name, imageRef: 'cirros', flavorRef: '1', min_count: count, max_count: count, return_reservation_id: true },
      'os:scheduler_hints': { group: groupId },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const list = await api.get<{ servers: { id: string; name: string }[] }>(`/servers?reservation_id=${r.body.reservation_id}`);
    assert.equal(list.body.servers.length, count);
    return list.body.servers.map((s) => s.id);
  }

  async function removeAll(ids: string[], groupId: string): Promise<void> {
    for (const id of ids) assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    await Promise.all(ids.map((id) => api.waitGone(id)));
    assert.equal((await api.delete(`/os-server-groups/${groupId}`)).status, 204);
  }

  it('anti-affinity: three servers of one request on three hosts, a fourth fails naming the filter', async () => {
    const g = await group('anti-affinity');
    const ids = await boot('anti', g, 3);
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    assert.deepEqual(servers.map(hostOf).sort(), ['h1', 'h2', 'h3']);
    const [fourth] = await boot('anti-4', g);
    const failed = await api.waitFor(fourth as string, ['ERROR']);
    const fault = failed.fault as { code: number; message: string };
    assert.equal(fault.code, 500);
    assert.match(fault.message, /^No valid host was found\./);
    assert.match(fault.message, /ServerGroupAntiAffinityFilter rejected 3 of 3 hosts/);
    const members = (await api.get<{ server_group: { members: string[] } }>(`/os-server-groups/${g}`)).body.server_group.members;
    assert.deepEqual([...members].sort(), [...ids, fourth].sort());
    await removeAll([...ids, fourth as string], g);
  });

  it('anti-affinity: concurrent requests in one scheduler batch still land on different hosts', async () => {
    const g = await group('anti-affinity');
    const ids = (await Promise.all([1, 2, 3].map((i) => boot(`batch-${i}`, g)))).flat();
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    assert.deepEqual(servers.map(hostOf).sort(), ['h1', 'h2', 'h3']);
    await removeAll(ids, g);
  });

  it('anti-affinity: deleting a member lets a new one in, on the freed host', async () => {
    const g = await group('anti-affinity');
    const ids = await boot('room', g, 3);
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    const [gone, ...kept] = ids as [string, ...string[]];
    const freed = hostOf(servers[0] as Record<string, unknown>);
    assert.equal((await api.delete(`/servers/${gone}`)).status, 204);
    await api.waitGone(gone);
    const [next] = await boot('room-next', g);
    const placed = await api.waitFor(next as string, ['ACTIVE']);
    assert.equal(hostOf(placed), freed);
    await removeAll([...kept, next as string], g);
  });

  it('anti-affinity with max_server_per_host 2: two per host, the seventh fails', async () => {
    const g = await group('anti-affinity', { max_server_per_host: 2 });
    const ids = await boot('two-per-host', g, 6);
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    const perHost = new Map<string, number>();
    for (const s of servers) perHost.set(hostOf(s), (perHost.get(hostOf(s)) ?? 0) + 1);
    assert.deepEqual([...perHost.values()], [2, 2, 2]);
    const [seventh] = await boot('two-per-host-7', g);
    const failed = await api.waitFor(seventh as string, ['ERROR']);
    assert.match((failed.fault as { message: string }).message, /ServerGroupAntiAffinityFilter rejected 3 of 3 hosts/);
    await removeAll([...ids, seventh as string], g);
  });

  it('affinity: every member on the first member’s host, across requests', async () => {
    const g = await group('affinity');
    const first = await boot('aff', g, 3);
    const servers = await Promise.all(first.map((id) => api.waitFor(id, ['ACTIVE'])));
    const host = hostOf(servers[0] as Record<string, unknown>);
    assert.deepEqual(servers.map(hostOf), [host, host, host]);
    const later = (await Promise.all([1, 2].map((i) => boot(`aff-later-${i}`, g)))).flat();
    for (const id of later) assert.equal(hostOf(await api.waitFor(id, ['ACTIVE'])), host);
    await removeAll([...first, ...later], g);
  });

  it('soft-anti-affinity: spreads over the hosts but still places a fourth', async () => {
    const g = await group('soft-anti-affinity');
    const ids = await boot('soft-anti', g, 3);
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    assert.deepEqual(servers.map(hostOf).sort(), ['h1', 'h2', 'h3']);
    const [fourth] = await boot('soft-anti-4', g);
    assert.ok(['h1', 'h2', 'h3'].includes(hostOf(await api.waitFor(fourth as string, ['ACTIVE']))));
    await removeAll([...ids, fourth as string], g);
  });

  it('soft-affinity: stacks the members while a host has room (soft_affinity_weight_multiplier 10)', async () => {
    const g = await group('soft-affinity');
    const ids = await boot('soft-aff', g, 3);
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'])));
    assert.equal(new Set(servers.map(hostOf)).size, 1);
    await removeAll(ids, g);
  });
});

describe('server group scheduling on reschedule', () => {
  let cloud: Cloud;
  let api: ApiClient;
  before(async () => {
    // 'bad' has the most free RAM, so every build tries it first, and every spawn there fails.
    cloud = await startCloud({
      computes: ['h1', 'h2', { host: 'bad', overrides: { fake: { memory_mb: '65536', spawn_failure_rate: '1' } } }],
      overrides: { fake: { memory_mb: '16384', vcpus: '64', local_gb: '100' } },
    });
    api = new ApiClient(cloud.url);
  });
  after(() => cloud.stop());

  it('re-reads the hosts of the group: rescheduled members still avoid each other', async () => {
    const r = await api.at('2.64').post<{ server_group: { id: string } }>('/os-server-groups', { server_group: { name: 'resched', policy: 'anti-affinity' } });
    const g = r.body.server_group.id;
    const hosts: string[] = [];
    for (const name of ['ra', 'rb']) {
      const booted = await api.post<{ server: { id: string } }>('/servers', { server: { name, imageRef: 'cirros', flavorRef: '1' }, 'os:scheduler_hints': { group: g } });
      const id = booted.body.server.id;
      const s = await api.waitFor(id, ['ACTIVE', 'ERROR']);
      assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
      assert.equal((await cloud.db.history.latestFaults([id])).get(id)?.host, 'bad', 'the first attempt failed on bad');
      hosts.push(s['OS-EXT-SRV-ATTR:host'] as string);
    }
    assert.deepEqual([...hosts].sort(), ['h1', 'h2']);
    const third = await api.post<{ server: { id: string } }>('/servers', { server: { name: 'rc', imageRef: 'cirros', flavorRef: '1' }, 'os:scheduler_hints': { group: g } });
    const failed = await api.waitFor(third.body.server.id, ['ERROR']);
    assert.match((failed.fault as { message: string }).message, /ServerGroupAntiAffinityFilter rejected 2 of 2 hosts/);
  });

  it('affinity: a first member whose build failed is not tied to the host it failed on', async () => {
    const r = await api.at('2.64').post<{ server_group: { id: string } }>('/os-server-groups', { server_group: { name: 'resched-aff', policy: 'affinity' } });
    const g = r.body.server_group.id;
    const booted = await api.post<{ server: { id: string } }>('/servers', {
      server: { name: 'aff-first', imageRef: 'cirros', flavorRef: '1' },
      'os:scheduler_hints': { group: g },
    });
    const id = booted.body.server.id;
    const s = await api.waitFor(id, ['ACTIVE', 'ERROR']);
    assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
    assert.equal((await cloud.db.history.latestFaults([id])).get(id)?.host, 'bad');
    const next = await api.post<{ server: { id: string } }>('/servers', { server: { name: 'aff-next', imageRef: 'cirros', flavorRef: '1' }, 'os:scheduler_hints': { group: g } });
    const placed = await api.waitFor(next.body.server.id, ['ACTIVE', 'ERROR']);
    assert.equal(placed['OS-EXT-SRV-ATTR:host'], s['OS-EXT-SRV-ATTR:host']);
  });
});
