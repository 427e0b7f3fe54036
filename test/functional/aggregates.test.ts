/** os-aggregates: shapes per microversion, policy, Nova's 400/404/409 answers, and zones that follow aggregates. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, createComputeHost, createInstance, createService, type Harness, json, policyMessage, startApi } from './harness.ts';

type Agg = Record<string, unknown> & { id: number; hosts: string[]; metadata: Record<string, string> };
type Zone = { zoneName: string; zoneState: { available: boolean }; hosts: Record<string, Record<string, unknown>> | null };

const MICRO_TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('os-aggregates', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
    await createService(h.db, 'ctl', 'nova-conductor');
    for (const host of ['cmp-1', 'cmp-2', 'cmp-3']) await createComputeHost(h.db, host);
  });
  after(async () => {
    await h.close();
  });

  const create = async (name: string, az?: string | null, version?: string) => {
    const res = await h.call('POST', '/v2.1/os-aggregates', { version, body: { aggregate: az === undefined ? { name } : { name, availability_zone: az } } });
    assert.equal(res.statusCode, 200, res.body);
    return json<{ aggregate: Agg }>(res).aggregate;
  };
  const act = (id: number, body: unknown, version?: string) => h.call('POST', `/v2.1/os-aggregates/${id}/action`, { body, version });
  const fault = (res: { body: string }) => Object.values(JSON.parse(res.body) as Record<string, { code: number; message: string }>)[0];

  it('create answers 200 without hosts and metadata; uuid only from 2.41', async () => {
    const a = await create('agg-v21', 'zone-x');
    assert.deepEqual(Object.keys(a).sort(), ['availability_zone', 'created_at', 'deleted', 'deleted_at', 'id', 'name', 'updated_at']);
    assert.equal(typeof a.id, 'number');
    assert.equal(a.availability_zone, 'zone-x');
    assert.equal(a.deleted, false);
    assert.equal(a.deleted_at, null);
    assert.equal(a.updated_at, null);
    assert.match(a.created_at as string, MICRO_TS);
    const b = await create('agg-v241', null, '2.41');
    assert.match(b.uuid as string, UUID);
    assert.equal(b.availability_zone, null);
    const v240 = json<{ aggregate: Agg }>(await h.call('GET', `/v2.1/os-aggregates/${b.id}`, { version: '2.40' })).aggregate;
    assert.equal(v240.uuid, undefined);
    for (const id of [a.id, b.id]) assert.equal((await h.call('DELETE', `/v2.1/os-aggregates/${id}`)).statusCode, 200);
  });

  it('show and list carry hosts and metadata (availability_zone in metadata is the zone)', async () => {
    const a = await create('agg-show', 'az-show');
    const res = await h.call('GET', `/v2.1/os-aggregates/${a.id}`, { version: '2.93' });
    assert.equal(res.statusCode, 200);
    const shown = json<{ aggregate: Agg }>(res).aggregate;
    assert.deepEqual(Object.keys(shown).sort(), ['availability_zone', 'created_at', 'deleted', 'deleted_at', 'hosts', 'id', 'metadata', 'name', 'updated_at', 'uuid']);
    assert.deepEqual(shown.hosts, []);
    assert.deepEqual(shown.metadata, { availability_zone: 'az-show' });
    const list = json<{ aggregates: Agg[] }>(await h.call('GET', '/v2.1/os-aggregates'));
    assert.deepEqual(
      list.aggregates.map((x) => x.name),
      ['agg-show'],
    );
    assert.deepEqual(list.aggregates[0]?.metadata, { availability_zone: 'az-show' });
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
    assert.deepEqual(json(await h.call('GET', '/v2.1/os-aggregates')), { aggregates: [] });
  });

  it('a duplicate name is a 409; a deleted aggregate frees its name', async () => {
    const a = await create('dup');
    const res = await h.call('POST', '/v2.1/os-aggregates', { body: { aggregate: { name: 'dup' } } });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(json(res), { conflictingRequest: { code: 409, message: 'Aggregate dup already exists.' } });
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
    const again = await create('dup');
    const other = await create('other');
    const rename = await h.call('PUT', `/v2.1/os-aggregates/${other.id}`, { body: { aggregate: { name: 'dup' } } });
    assert.equal(rename.statusCode, 409);
    for (const id of [again.id, other.id]) await h.call('DELETE', `/v2.1/os-aggregates/${id}`);
  });

  it('update renames (stripping spaces) and sets the zone', async () => {
    const a = await create('upd');
    const res = await h.call('PUT', `/v2.1/os-aggregates/${a.id}`, { version: '2.41', body: { aggregate: { name: '  upd2 ', availability_zone: 'az-upd' } } });
    assert.equal(res.statusCode, 200, res.body);
    const u = json<{ aggregate: Agg }>(res).aggregate;
    assert.equal(u.name, 'upd2');
    assert.equal(u.availability_zone, 'az-upd');
    assert.deepEqual(u.metadata, { availability_zone: 'az-upd' });
    assert.match(u.updated_at as string, MICRO_TS);
    assert.match(u.uuid as string, UUID);
    const empty = await h.call('PUT', `/v2.1/os-aggregates/${a.id}`, { body: { aggregate: { availability_zone: null } } });
    assert.equal(empty.statusCode, 400);
    assert.equal(fault(empty)?.message, `Cannot update aggregate ${a.id}. Reason: Aggregate upd2 does not support empty named availability zone.`);
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
  });

  it('add_host, remove_host and delete with Nova’s errors', async () => {
    const a = await create('hosts', 'az1');
    let res = await act(a.id, { add_host: { host: 'cmp-1' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json<{ aggregate: Agg }>(res).aggregate.hosts, ['cmp-1']);
    res = await act(a.id, { add_host: { host: 'cmp-1' } });
    assert.equal(res.statusCode, 409);
    assert.equal(fault(res)?.message, `Aggregate ${a.id} already has host cmp-1.`);
    res = await act(a.id, { add_host: { host: 'nope' } });
    assert.equal(res.statusCode, 404);
    assert.equal(fault(res)?.message, 'Compute host nope could not be found.');
    res = await act(a.id, { add_host: { host: 'ctl' } });
    assert.equal(res.statusCode, 404, 'only compute hosts');

    res = await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
    assert.equal(res.statusCode, 400);
    assert.equal(fault(res)?.message, `Cannot remove host from aggregate ${a.id}. Reason: Host aggregate is not empty.`);

    // A host may not be in two aggregates with different zones.
    const b = await create('hosts-b', 'az2');
    res = await act(b.id, { add_host: { host: 'cmp-1' } });
    assert.equal(res.statusCode, 409);
    assert.equal(fault(res)?.message, `Cannot add host to aggregate ${b.id}. Reason: One or more hosts already in availability zone(s) ['az1'].`);
    // …but may be in a zoneless aggregate, or one of the same zone.
    const c = await create('hosts-c');
    assert.equal((await act(c.id, { add_host: { host: 'cmp-1' } })).statusCode, 200);
    const d = await create('hosts-d', 'az1');
    assert.equal((await act(d.id, { add_host: { host: 'cmp-1' } })).statusCode, 200);
    // Giving the zoneless one another zone is refused the same way.
    res = await act(c.id, { set_metadata: { metadata: { availability_zone: 'az3' } } });
    assert.equal(res.statusCode, 400);
    assert.equal(fault(res)?.message, `Cannot update metadata of aggregate ${c.id}. Reason: One or more hosts already in availability zone(s) ['az1', 'az1'].`);

    res = await act(a.id, { remove_host: { host: 'cmp-2' } });
    assert.equal(res.statusCode, 404);
    assert.equal(fault(res)?.message, `Cannot remove host cmp-2 in aggregate ${a.id}`);
    res = await act(a.id, { remove_host: { host: 'nope' } });
    assert.equal(res.statusCode, 404);
    for (const x of [a, c, d]) {
      res = await act(x.id, { remove_host: { host: 'cmp-1' } });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(json<{ aggregate: Agg }>(res).aggregate.hosts, []);
    }
    for (const x of [a, b, c, d]) {
      res = await h.call('DELETE', `/v2.1/os-aggregates/${x.id}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, '');
    }
    res = await h.call('GET', `/v2.1/os-aggregates/${a.id}`);
    assert.equal(res.statusCode, 404);
    assert.equal(fault(res)?.message, `Aggregate ${a.id} could not be found.`);
  });

  it('set_metadata sets, replaces and (with null) removes keys', async () => {
    const a = await create('meta');
    let res = await act(a.id, { set_metadata: { metadata: { ssd: 'true', tier: 'gold' } } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json<{ aggregate: Agg }>(res).aggregate.metadata, { ssd: 'true', tier: 'gold' });
    res = await act(a.id, { set_metadata: { metadata: { ssd: null, tier: 'silver', gone: null, availability_zone: 'az-meta' } } });
    const agg = json<{ aggregate: Agg }>(res).aggregate;
    assert.deepEqual(agg.metadata, { tier: 'silver', availability_zone: 'az-meta' });
    assert.equal(agg.availability_zone, 'az-meta');
    res = await act(a.id, { set_metadata: { metadata: { availability_zone: null } } });
    assert.equal(res.statusCode, 400);
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
  });

  it('a zone rename is refused while the hosts run instances', async () => {
    const a = await create('busy', 'az-busy');
    await act(a.id, { add_host: { host: 'cmp-3' } });
    const inst = await createInstance(h.db, { host: 'cmp-3' });
    const res = await h.call('PUT', `/v2.1/os-aggregates/${a.id}`, { body: { aggregate: { availability_zone: 'az-other' } } });
    assert.equal(res.statusCode, 400);
    assert.equal(fault(res)?.message, `Cannot update aggregate ${a.id}. Reason: One or more hosts contain instances in this zone.`);
    assert.equal((await h.call('PUT', `/v2.1/os-aggregates/${a.id}`, { body: { aggregate: { availability_zone: 'az-busy' } } })).statusCode, 200);
    await h.db.db.kysely.deleteFrom('instances').where('id', '=', inst.id).execute();
    await act(a.id, { remove_host: { host: 'cmp-3' } });
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
  });

  it('is admin-only', async () => {
    const a = await create('policy');
    const cases: [string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, unknown, string][] = [
      ['index', 'GET', '/v2.1/os-aggregates', undefined, 'index'],
      ['create', 'POST', '/v2.1/os-aggregates', { aggregate: { name: 'x' } }, 'create'],
      ['show', 'GET', `/v2.1/os-aggregates/${a.id}`, undefined, 'show'],
      ['update', 'PUT', `/v2.1/os-aggregates/${a.id}`, { aggregate: { name: 'y' } }, 'update'],
      ['delete', 'DELETE', `/v2.1/os-aggregates/${a.id}`, undefined, 'delete'],
      ['add_host', 'POST', `/v2.1/os-aggregates/${a.id}/action`, { add_host: { host: 'cmp-1' } }, 'add_host'],
      ['remove_host', 'POST', `/v2.1/os-aggregates/${a.id}/action`, { remove_host: { host: 'cmp-1' } }, 'remove_host'],
      ['set_metadata', 'POST', `/v2.1/os-aggregates/${a.id}/action`, { set_metadata: { metadata: { a: 'b' } } }, 'set_metadata'],
    ];
    for (const [label, method, url, body, rule] of cases) {
      const res = await h.call(method, url, { token: ALICE, body });
      assert.equal(res.statusCode, 403, label);
      assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage(`os_compute_api:os-aggregates:${rule}`) } });
    }
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
  });

  it('bad ids and bodies are 400 or 404 with Nova’s messages', async () => {
    let res = await h.call('GET', '/v2.1/os-aggregates/abc');
    assert.equal(res.statusCode, 400);
    assert.equal(fault(res)?.message, 'Invalid input received: id must be an integer');
    res = await h.call('GET', '/v2.1/os-aggregates/99999');
    assert.equal(res.statusCode, 404);
    res = await h.call('GET', '/v2.1/os-aggregates/99999999999999999999999');
    assert.equal(res.statusCode, 404);
    res = await h.call('DELETE', '/v2.1/os-aggregates/1.5');
    assert.equal(res.statusCode, 400);
    res = await h.call('POST', '/v2.1/os-aggregates', { body: { aggregate: { name: ' padded' } } });
    assert.equal(res.statusCode, 400);
    assert.equal(fault(res)?.message, "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.");
    res = await h.call('POST', '/v2.1/os-aggregates', { body: { aggregate: { name: 'n', availability_zone: 'a:b' } } });
    assert.equal(res.statusCode, 400);
    assert.equal(fault(res)?.message, "An invalid 'name' value was provided. The name must be: printable characters except :.Can not start or end with whitespace.");
    res = await h.call('POST', '/v2.1/os-aggregates', { body: { aggregate: { name: 'n', extra: 1 } } });
    assert.equal(res.statusCode, 400);
    res = await h.call('PUT', '/v2.1/os-aggregates/1', { body: { aggregate: {} } });
    assert.equal(res.statusCode, 400);
    const a = await create('bodies');
    res = await act(a.id, { frobnicate: {} });
    assert.equal(res.statusCode, 400);
    assert.equal(fault(res)?.message, 'There is no such action: frobnicate');
    res = await act(a.id, { add_host: { host: 'cmp-1' }, remove_host: { host: 'cmp-1' } });
    assert.equal(res.statusCode, 400);
    res = await act(a.id, { add_host: { host: 'bad host!' } });
    assert.equal(res.statusCode, 400);
    res = await act(a.id, { set_metadata: { metadata: { 'bad/key': 'v' } } });
    assert.equal(res.statusCode, 400);
    res = await act(a.id, { set_metadata: { metadata: { k: 5 } } });
    assert.equal(res.statusCode, 400);
    res = await act(99999, { add_host: { host: 'cmp-1' } });
    assert.equal(res.statusCode, 404);
    assert.equal(fault(res)?.message, 'Aggregate 99999 could not be found.');
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
  });

  it('malformed input never answers 500', async () => {
    const a = await create('malformed');
    const bodies: unknown[] = [
      'null',
      '[]',
      '"text"',
      '42',
      '{"unterminated":',
      '{}',
      { aggregate: null },
      { aggregate: [] },
      { aggregate: { name: 5 } },
      { aggregate: { name: 'x'.repeat(300) } },
    ];
    bodies.push(
      { add_host: null },
      { add_host: { host: ['a'] } },
      { remove_host: 'x' },
      { set_metadata: null },
      { set_metadata: { metadata: [] } },
      { set_metadata: { metadata: { k: { v: 1 } } } },
    );
    const urls: ['POST' | 'PUT', string][] = [
      ['POST', '/v2.1/os-aggregates'],
      ['PUT', `/v2.1/os-aggregates/${a.id}`],
      ['POST', `/v2.1/os-aggregates/${a.id}/action`],
      ['PUT', '/v2.1/os-aggregates/%00'],
      ['POST', '/v2.1/os-aggregates/-1/action'],
    ];
    for (const [method, url] of urls) {
      for (const body of bodies) {
        for (const token of ['admin:admin', ALICE]) {
          const res = await h.call(method, url, { body, token, version: '2.93' });
          assert.ok(res.statusCode < 500, `${method} ${url} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
        }
      }
    }
    for (const q of ['', '?limit=x', '?x[y]=1']) assert.equal((await h.call('GET', `/v2.1/os-aggregates${q}`)).statusCode, 200);
    await h.call('DELETE', `/v2.1/os-aggregates/${a.id}`);
  });
});

describe('availability zones from aggregates', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
    await createService(h.db, 'ctl', 'nova-conductor');
    for (const host of ['c1', 'c2', 'c3']) await createComputeHost(h.db, host);
    await createComputeHost(h.db, 'c4', { disabled: true });
    const mk = async (name: string, az: string, hosts: string[]) => {
      const id = json<{ aggregate: Agg }>(await h.call('POST', '/v2.1/os-aggregates', { body: { aggregate: { name, availability_zone: az } } })).aggregate.id;
      for (const host of hosts) await h.call('POST', `/v2.1/os-aggregates/${id}/action`, { body: { add_host: { host } } });
    };
    await mk('a1', 'az1', ['c1']);
    await mk('a2', 'az2', ['c2']);
    await mk('a3', 'az-off', ['c4']);
    await mk('empty', 'az-empty', []);
  });
  after(async () => {
    await h.close();
  });

  it('os-availability-zone lists the zones with hosts (a zone of only disabled hosts is unavailable)', async () => {
    const zones = json<{ availabilityZoneInfo: Zone[] }>(await h.call('GET', '/v2.1/os-availability-zone', { token: ALICE })).availabilityZoneInfo;
    assert.deepEqual(
      zones.map((z) => [z.zoneName, z.zoneState.available]),
      [
        ['az1', true],
        ['az2', true],
        ['nova', true],
        ['az-off', false],
      ],
    );
  });

  it('detail shows each host under its zone', async () => {
    const zones = json<{ availabilityZoneInfo: Zone[] }>(await h.call('GET', '/v2.1/os-availability-zone/detail')).availabilityZoneInfo;
    const hostsOf = (name: string) => Object.keys(zones.find((z) => z.zoneName === name)?.hosts ?? {});
    assert.deepEqual(hostsOf('az1'), ['c1']);
    assert.deepEqual(hostsOf('az2'), ['c2']);
    assert.deepEqual(hostsOf('nova'), ['c3']);
    assert.deepEqual(hostsOf('internal'), ['ctl']);
  });

  it('os-services shows each compute service in its zone', async () => {
    const services = json<{ services: { host: string; binary: string; zone: string }[] }>(await h.call('GET', '/v2.1/os-services')).services;
    const zoneOf = Object.fromEntries(services.map((s) => [s.host === 'ctl' ? s.binary : s.host, s.zone]));
    assert.deepEqual(zoneOf, { 'nova-conductor': 'internal', c1: 'az1', c2: 'az2', c3: 'nova', c4: 'az-off' });
  });

  it('deleting a compute service takes its host out of its aggregates', async () => {
    const svc = json<{ services: { host: string; id: number }[] }>(await h.call('GET', '/v2.1/os-services?host=c4')).services[0];
    assert.equal((await h.call('DELETE', `/v2.1/os-services/${svc?.id}`)).statusCode, 204);
    const aggs = json<{ aggregates: Agg[] }>(await h.call('GET', '/v2.1/os-aggregates')).aggregates;
    assert.deepEqual(aggs.find((a) => a.name === 'a3')?.hosts, []);
  });
});
