/**
 * os-simple-tenant-usage over a cloud with real servers: hours per time
 * window (deleted servers count for the part of their life inside it),
 * totals and shapes, 2.40 paging, policies and malformed input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Fault = Record<string, { code: number; message: string }>;
const message = (body: unknown) => (Object.values(body as Fault)[0] as { message: string }).message;

interface ServerUsage {
  instance_id: string;
  hours: number;
  state: string;
  started_at: string;
  ended_at: string | null;
  uptime: number;
  [k: string]: unknown;
}
interface TenantUsage {
  tenant_id: string;
  server_usages?: ServerUsage[];
  total_hours: number;
  total_memory_mb_usage: number;
  total_vcpus_usage: number;
  total_local_gb_usage: number;
  start: string;
  stop: string;
}

const HOUR = 3600_000;
/** '2026-01-02T03:04:05' (the format python-novaclient sends, without microseconds). */
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const dbTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}000`;
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual} ≉ ${expected}`);

describe('os-simple-tenant-usage', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  let alice: ApiClient;
  /** A whole second: every time below is exact. */
  let base: number;
  let running: string;
  let deleted: string;
  let bobs: string;

  const setTimes = (uuid: string, launched: number, terminated: number | null) =>
    cloud.db.db.kysely
      .updateTable('instances')
      .set({ launched_at: dbTime(launched), terminated_at: terminated === null ? null : dbTime(terminated) })
      .where('uuid', '=', uuid)
      .execute();

  before(async () => {
    cloud = await startCloud();
    admin = new ApiClient(cloud.url);
    alice = admin.as('alice:projA');
    const bob = admin.as('bob:projB');
    [running, deleted, bobs] = await Promise.all([alice.boot('running'), alice.boot('deleted'), bob.boot('bobs')]);
    await Promise.all([alice.waitFor(running, ['ACTIVE']), alice.waitFor(deleted, ['ACTIVE']), bob.waitFor(bobs, ['ACTIVE'])]);
    assert.equal((await alice.delete(`/servers/${deleted}`)).status, 204);
    await alice.waitGone(deleted);
    base = Math.floor(Date.now() / 1000) * 1000;
    await setTimes(running, base - 10 * HOUR, null);
    await setTimes(deleted, base - 5 * HOUR, base - 2 * HOUR);
    await setTimes(bobs, base - HOUR, null);
  });
  after(() => cloud.stop());

  const usage = async (c: ApiClient, path: string) => {
    const r = await c.get<{ tenant_usages: TenantUsage[]; tenant_usages_links?: { rel: string; href: string }[] }>(path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const window = (from: number, to: number) => `start=${iso(base + from)}&end=${iso(base + to)}`;
  const hoursOf = (t: TenantUsage | undefined) => new Map((t?.server_usages ?? []).map((s) => [s.instance_id, s.hours]));

  it("counts the hours of each server inside the window, deleted ones included, with Nova's shapes", async () => {
    const body = await usage(admin, `/os-simple-tenant-usage?${window(-4 * HOUR, -HOUR)}&detailed=1`);
    assert.deepEqual(Object.keys(body), ['tenant_usages']);
    const [a, ...rest] = body.tenant_usages;
    assert.equal(rest.length, 0, "bob's server was launched at the end of the window: not counted");
    assert.ok(a);
    assert.deepEqual(Object.keys(a), ['tenant_id', 'server_usages', 'total_local_gb_usage', 'total_vcpus_usage', 'total_memory_mb_usage', 'total_hours', 'start', 'stop']);
    assert.equal(a.tenant_id, 'projA');
    assert.equal(a.start, `${iso(base - 4 * HOUR)}.000000`);
    assert.equal(a.stop, `${iso(base - HOUR)}.000000`);
    assert.deepEqual(
      hoursOf(a),
      new Map([
        [running, 3],
        [deleted, 2],
      ]),
    );
    assert.equal(a.total_hours, 5);
    assert.equal(a.total_memory_mb_usage, 5 * 512);
    assert.equal(a.total_vcpus_usage, 5);
    assert.equal(a.total_local_gb_usage, 5);
    const gone = a.server_usages?.find((s) => s.instance_id === deleted);
    assert.deepEqual(gone, {
      hours: 2,
      flavor: 'm1.tiny',
      instance_id: deleted,
      name: 'deleted',
      tenant_id: 'projA',
      memory_mb: 512,
      local_gb: 1,
      vcpus: 1,
      started_at: `${iso(base - 5 * HOUR)}.000000`,
      ended_at: `${iso(base - 2 * HOUR)}.000000`,
      state: 'terminated',
      uptime: 3 * 3600,
    });
    const live = a.server_usages?.find((s) => s.instance_id === running);
    assert.equal(live?.state, 'active');
    assert.equal(live?.ended_at, null);
    assert.ok(Math.abs((live?.uptime ?? 0) - (10 * 3600 + (Date.now() - base) / 1000)) < 5, `uptime ${live?.uptime}`);
  });

  it('grows with the window and leaves out servers that ended before it', async () => {
    const early = hoursOf((await usage(admin, `/os-simple-tenant-usage?${window(-24 * HOUR, -6 * HOUR)}&detailed=1`)).tenant_usages[0]);
    assert.deepEqual(early, new Map([[running, 4]]));
    const later = hoursOf((await usage(admin, `/os-simple-tenant-usage?${window(-24 * HOUR, -3 * HOUR)}&detailed=1`)).tenant_usages[0]);
    assert.deepEqual(
      later,
      new Map([
        [running, 7],
        [deleted, 2],
      ]),
    );
    const lately = (await usage(admin, `/os-simple-tenant-usage?${window(-HOUR - HOUR / 2, -HOUR / 2)}&detailed=1`)).tenant_usages;
    assert.deepEqual(
      lately.map((t) => [t.tenant_id, Object.fromEntries(hoursOf(t))]),
      [
        ['projA', { [running]: 1 }],
        ['projB', { [bobs]: 0.5 }],
      ],
    );
    // An end in the future is cut at now.
    const all = (await usage(admin, `/os-simple-tenant-usage?${window(-24 * HOUR, 24 * HOUR)}&detailed=1`)).tenant_usages;
    const sinceBase = (Date.now() - base) / HOUR;
    const a = all.find((t) => t.tenant_id === 'projA');
    close(hoursOf(a).get(running) ?? 0, 10 + sinceBase, 'running');
    assert.equal(hoursOf(a).get(deleted), 3);
    close(a?.total_hours ?? 0, 13 + sinceBase, 'projA total');
    close(hoursOf(all.find((t) => t.tenant_id === 'projB')).get(bobs) ?? 0, 1 + sinceBase, 'bob');
    assert.ok(Date.parse(`${a?.stop}Z`) <= Date.now() + 1000, `stop ${a?.stop} is now, not tomorrow`);
  });

  it('leaves server_usages out unless detailed=1, and defaults the period to now', async () => {
    const plain = (await usage(admin, `/os-simple-tenant-usage?${window(-24 * HOUR, 0)}`)).tenant_usages;
    assert.deepEqual(
      plain.map((t) => [t.tenant_id, t.server_usages]),
      [
        ['projA', undefined],
        ['projB', undefined],
      ],
    );
    assert.equal((await usage(admin, `/os-simple-tenant-usage?${window(-24 * HOUR, 0)}&detailed=0`)).tenant_usages[0]?.server_usages, undefined);
    const now = await usage(admin, '/os-simple-tenant-usage?detailed=1');
    for (const t of now.tenant_usages) assert.ok(t.start < t.stop, `${t.start} < ${t.stop}`);
    assert.equal((await usage(admin, `/os-simple-tenant-usage?start=${iso(base - HOUR)}&start=&end=`)).tenant_usages.length, 2);
  });

  it('shows one project to its members and admins; the list is admin only', async () => {
    const mine = await alice.get<{ tenant_usage: TenantUsage }>(`/os-simple-tenant-usage/projA?${window(-4 * HOUR, -HOUR)}`);
    assert.equal(mine.status, 200);
    assert.deepEqual(Object.keys(mine.body), ['tenant_usage']);
    assert.deepEqual(
      hoursOf(mine.body.tenant_usage),
      new Map([
        [running, 3],
        [deleted, 2],
      ]),
    );
    assert.equal(mine.body.tenant_usage.total_hours, 5);
    const asAdmin = await admin.get<{ tenant_usage: TenantUsage }>(`/os-simple-tenant-usage/projB?${window(-4 * HOUR, 0)}`);
    assert.deepEqual(hoursOf(asAdmin.body.tenant_usage), new Map([[bobs, 1]]));
    const nothing = await admin.get(`/os-simple-tenant-usage/nobody?${window(-4 * HOUR, 0)}`);
    assert.deepEqual(nothing.body, { tenant_usage: {} });
    const other = await alice.get('/os-simple-tenant-usage/projB');
    assert.equal(other.status, 403);
    assert.equal(message(other.body), "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed.");
    const list = await alice.get('/os-simple-tenant-usage');
    assert.equal(list.status, 403);
    assert.equal(message(list.body), "Policy doesn't allow os_compute_api:os-simple-tenant-usage:list to be performed.");
  });

  it('pages the servers from 2.40 with next links, ordered by project and uuid', async () => {
    const paged = admin.at('2.40');
    const order = [...[running, deleted].sort(), bobs];
    const seen: string[] = [];
    let path = `/os-simple-tenant-usage?${window(-24 * HOUR, 0)}&detailed=1&limit=1`;
    for (let page = 0; page < 3; page++) {
      const body = await usage(paged, path);
      assert.equal(body.tenant_usages.length, 1);
      const servers = body.tenant_usages[0]?.server_usages ?? [];
      seen.push(...servers.map((s) => s.instance_id));
      const link = body.tenant_usages_links?.[0];
      assert.equal(link?.rel, 'next');
      // Nova's _get_next_link: the request's parameters sorted, then the marker set (appended when the request had none).
      const sorted: Record<string, string> =
        page === 0
          ? { detailed: '1', end: iso(base), limit: '1', start: iso(base - 24 * HOUR) }
          : { detailed: '1', end: iso(base), limit: '1', marker: '', start: iso(base - 24 * HOUR) };
      const expected = new URLSearchParams({ ...sorted, marker: seen.at(-1) as string });
      assert.equal(link?.href, `${cloud.url}/v2.1/os-simple-tenant-usage?${expected}`);
      path = (link?.href ?? '').slice(`${cloud.url}/v2.1`.length);
    }
    assert.deepEqual(seen, order);
    const last = await usage(paged, path);
    assert.deepEqual(last, { tenant_usages: [] });
    const shown = await paged.get<{ tenant_usage: TenantUsage; tenant_usage_links: { href: string }[] }>(`/os-simple-tenant-usage/projA?${window(-24 * HOUR, 0)}&limit=1`);
    assert.equal(shown.body.tenant_usage.server_usages?.length, 1);
    assert.match(shown.body.tenant_usage_links[0]?.href ?? '', new RegExp(`/v2\\.1/os-simple-tenant-usage/projA\\?end=.*&limit=1&start=[^&]*&marker=${order[0]}$`));
    const old = await usage(admin.at('2.39'), `/os-simple-tenant-usage?${window(-24 * HOUR, 0)}&detailed=1&limit=1&marker=bogus`);
    assert.equal(old.tenant_usages_links, undefined, 'no paging before 2.40');
    assert.equal(old.tenant_usages.flatMap((t) => t.server_usages ?? []).length, 3);
    assert.deepEqual(await usage(paged, `/os-simple-tenant-usage?${window(-24 * HOUR, 0)}&limit=0`), { tenant_usages: [] });
  });

  it("reads the time formats Nova reads and refuses others with Nova's messages", async () => {
    for (const start of ['2020-01-01T00:00:00', '2020-1-2T3:4:5', '2020-01-01T00:00:00.5', '2020-01-01%2000:00:00.123456', '2020-01-01+00:00:00.1']) {
      assert.equal((await admin.get(`/os-simple-tenant-usage?start=${start}`)).status, 200, start);
    }
    for (const start of [
      'garbage',
      '2020-01-01',
      '2020-01-01T00:00:00Z',
      '2020-01-01T00:00:00%2B00:00',
      '2020-01-01%2000:00:00',
      '2020-02-30T00:00:00',
      '2020-13-01T00:00:00',
      '0000-01-01T00:00:00',
      '2020-01-01T00:00:60',
    ]) {
      const r = await admin.get(`/os-simple-tenant-usage?start=${start}`);
      assert.equal(r.status, 400, start);
      assert.equal(message(r.body), 'Invalid datetime string: Datetime is in invalid format');
    }
    for (const q of [window(0, -HOUR), window(0, 0)]) {
      const r = await alice.get(`/os-simple-tenant-usage/projA?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(message(r.body), 'Invalid start time. The start time cannot occur after the end time.');
    }
  });

  it('refuses malformed paging with 400 and unknown parameters from 2.75', async () => {
    const cases: [string, string, string][] = [
      ['2.40', 'limit=abc', "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'"],
      ['2.40', 'limit=-1', "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"],
      ['2.40', 'marker=nope', 'Marker nope could not be found.'],
      ['2.75', 'foo=1', "Additional properties are not allowed ('foo' was unexpected)"],
    ];
    for (const [version, q, text] of cases) {
      for (const path of ['/os-simple-tenant-usage', '/os-simple-tenant-usage/projA']) {
        const r = await admin.at(version).get(`${path}?${q}`);
        assert.equal(r.status, 400, `${path}?${q} @${version}`);
        assert.equal(message(r.body), text);
      }
    }
    assert.equal((await admin.at('2.74').get('/os-simple-tenant-usage?foo=1')).status, 200);
    for (const q of ['limit[]=1', 'x[y]=1', 'start[a]=1', 'marker=%00', 'limit=99999999999999999999', 'detailed=1&detailed=0', 'start=%E0']) {
      for (const version of ['2.1', '2.40', '2.93']) {
        const r = await admin.at(version).get(`/os-simple-tenant-usage?${q}`);
        assert.ok(r.status < 500, `${q} @${version} → ${r.status}`);
      }
    }
  });
});
