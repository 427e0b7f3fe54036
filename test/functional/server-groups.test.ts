/** os-server-groups: shapes per microversion, policies, rules, quotas, ownership, bad input; and booting into a group. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { ADMIN, ALICE, BOB, type Harness, json, policyMessage, startApi } from './harness.ts';

type Group = Record<string, unknown> & { id: string };
const msg = (res: { body: string }) => (Object.values(JSON.parse(res.body) as Record<string, { message: string }>)[0] as { message: string }).message;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('os-server-groups', () => {
  let h: Harness;
  before(async () => {
    h = await startApi({ quota: { server_groups: '4' } });
  });
  after(async () => {
    await h.close();
  });

  const create = (body: unknown, opts: { token?: string; version?: string } = {}) =>
    h.call('POST', '/v2.1/os-server-groups', { token: opts.token ?? ALICE, version: opts.version, body });
  const created = async (body: unknown, opts: { token?: string; version?: string } = {}): Promise<Group> => {
    const res = await create(body, opts);
    assert.equal(res.statusCode, 200, res.body);
    return json<{ server_group: Group }>(res).server_group;
  };
  const cleanup = async (...groups: Group[]) => {
    for (const g of groups) assert.equal((await h.call('DELETE', `/v2.1/os-server-groups/${g.id}`, { token: ADMIN })).statusCode, 204);
  };

  it('creates with policies before 2.64 and shows id, name, policies, metadata, members (+ project_id, user_id from 2.13)', async () => {
    const g = await created({ server_group: { name: 'g1', policies: ['anti-affinity'] } });
    assert.deepEqual(Object.keys(g), ['id', 'name', 'policies', 'metadata', 'members']);
    assert.match(g.id, UUID);
    assert.deepEqual(g, { id: g.id, name: 'g1', policies: ['anti-affinity'], metadata: {}, members: [] });
    const at213 = json<{ server_group: Group }>(await h.call('GET', `/v2.1/os-server-groups/${g.id}`, { token: ALICE, version: '2.13' })).server_group;
    assert.deepEqual(Object.keys(at213), ['id', 'name', 'policies', 'metadata', 'members', 'project_id', 'user_id']);
    assert.equal(at213.project_id, 'projA');
    assert.equal(at213.user_id, 'alice');
    await cleanup(g);
  });

  it('creates with policy and rules from 2.64 and shows them without policies/metadata', async () => {
    const g = await created({ server_group: { name: 'g64', policy: 'anti-affinity', rules: { max_server_per_host: 2 } } }, { version: '2.64' });
    assert.deepEqual(g, { id: g.id, name: 'g64', policy: 'anti-affinity', rules: { max_server_per_host: 2 }, members: [], project_id: 'projA', user_id: 'alice' });
    const old = json<{ server_group: Group }>(await h.call('GET', `/v2.1/os-server-groups/${g.id}`, { token: ALICE, version: '2.63' })).server_group;
    assert.deepEqual(old.policies, ['anti-affinity']);
    assert.equal(old.rules, undefined);
    const str = await created({ server_group: { name: 'g64s', policy: 'anti-affinity', rules: { max_server_per_host: '3' } } }, { version: '2.93' });
    assert.deepEqual(str.rules, { max_server_per_host: 3 });
    const plain = await created({ server_group: { name: 'g64p', policy: 'affinity' } }, { version: '2.64' });
    assert.deepEqual(plain.rules, {});
    await cleanup(g, str, plain);
  });

  it('accepts the soft policies from 2.15 only', async () => {
    const before215 = await create({ server_group: { name: 's', policies: ['soft-affinity'] } }, { version: '2.14' });
    assert.equal(before215.statusCode, 400);
    assert.match(msg(before215), /is not one of \['anti-affinity', 'affinity'\]/);
    const groups: Group[] = [];
    for (const policy of ['soft-affinity', 'soft-anti-affinity']) {
      groups.push(await created({ server_group: { name: policy, policies: [policy] } }, { version: '2.15' }));
    }
    groups.push(await created({ server_group: { name: 'sa', policy: 'soft-anti-affinity' } }, { version: '2.64' }));
    assert.deepEqual(
      groups.map((g) => g.policies ?? g.policy),
      [['soft-affinity'], ['soft-anti-affinity'], 'soft-anti-affinity'],
    );
    await cleanup(...groups);
  });

  it('refuses malformed bodies with 400', async () => {
    const cases: [string | undefined, unknown][] = [
      [undefined, { server_group: { name: 'x' } }],
      [undefined, { server_group: { name: 'x', policies: [] } }],
      [undefined, { server_group: { name: 'x', policies: ['affinity', 'anti-affinity'] } }],
      [undefined, { server_group: { name: 'x', policies: 'affinity' } }],
      [undefined, { server_group: { name: 'x', policies: ['bogus'] } }],
      [undefined, { server_group: { name: '', policies: ['affinity'] } }],
      [undefined, { server_group: { name: ' padded ', policies: ['affinity'] } }],
      [undefined, { server_group: { name: 'x'.repeat(256), policies: ['affinity'] } }],
      [undefined, { server_group: { name: 'x', policies: ['affinity'], policy: 'affinity' } }],
      [undefined, { server_group: { name: 'x', policies: ['affinity'] }, extra: 1 }],
      [undefined, { server_group: null }],
      [undefined, {}],
      [undefined, 'null'],
      [undefined, '[1,'],
      ['2.64', { server_group: { name: 'x', policies: ['affinity'] } }],
      ['2.64', { server_group: { name: 'x', policy: ['affinity'] } }],
      ['2.64', { server_group: { name: 'x', policy: 'anti-affinity', rules: { max_server_per_host: 0 } } }],
      ['2.64', { server_group: { name: 'x', policy: 'anti-affinity', rules: { max_server_per_host: '0' } } }],
      ['2.64', { server_group: { name: 'x', policy: 'anti-affinity', rules: { max_server_per_host: 'two' } } }],
      ['2.64', { server_group: { name: 'x', policy: 'anti-affinity', rules: { max_server_per_host: 1.5 } } }],
      ['2.64', { server_group: { name: 'x', policy: 'anti-affinity', rules: { other: 1 } } }],
      ['2.64', { server_group: { name: 'x', policy: 'anti-affinity', rules: [] } }],
    ];
    for (const [version, body] of cases) {
      const res = await create(body, { version });
      assert.equal(res.statusCode, 400, `${version} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
      assert.ok(json(res).badRequest, res.body);
    }
    const rules = await create({ server_group: { name: 'x', policy: 'affinity', rules: { max_server_per_host: 2 } } }, { version: '2.64' });
    assert.equal(rules.statusCode, 400);
    assert.equal(msg(rules), 'Only anti-affinity policy supports rules.');
    const name = await create({ server_group: { name: ' padded', policies: ['affinity'] } });
    assert.equal(msg(name), "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.");
    assert.equal(json<{ server_groups: unknown[] }>(await h.call('GET', '/v2.1/os-server-groups', { token: ADMIN, version: '2.1' })).server_groups.length, 0);
  });

  it('never answers 500 to malformed input', async () => {
    const bodies: unknown[] = [
      'null',
      '[]',
      '"text"',
      '42',
      '{"x":',
      { server_group: [] },
      { server_group: { name: null, policies: null } },
      { server_group: { name: 'n', policy: null, rules: null } },
    ];
    bodies.push({ server_group: { name: 'n', policy: 'anti-affinity', rules: { max_server_per_host: '99999999999999999999999' } } });
    bodies.push({ server_group: { name: '\u0000', policies: ['affinity'] } }, { server_group: { name: 'n', policies: [{}] } });
    for (const version of ['2.1', '2.15', '2.63', '2.64', '2.93']) {
      for (const body of bodies) {
        const res = await create(body, { version });
        assert.ok(res.statusCode < 500, `${version} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
        if (res.statusCode === 200) await cleanup(json<{ server_group: Group }>(res).server_group);
      }
    }
    for (const q of ['?limit=', '?limit=1e3', '?offset=%00', '?all_projects=%00', '?x[y]=1', '?limit[]=1', '?offset=1&offset=2']) {
      const res = await h.call('GET', `/v2.1/os-server-groups${q}`, { token: ALICE, version: '2.93' });
      assert.ok(res.statusCode < 500, `${q} → ${res.statusCode} ${res.body}`);
    }
  });

  it('lists the own project, all projects for admins only, with offset and limit', async () => {
    const a1 = await created({ server_group: { name: 'a1', policies: ['affinity'] } });
    const a2 = await created({ server_group: { name: 'a2', policies: ['affinity'] } });
    const a3 = await created({ server_group: { name: 'a3', policies: ['affinity'] } });
    const b1 = await created({ server_group: { name: 'b1', policies: ['affinity'] } }, { token: BOB });
    const names = async (url: string, token = ALICE, version?: string) => {
      const res = await h.call('GET', url, { token, version });
      assert.equal(res.statusCode, 200, res.body);
      return json<{ server_groups: Group[] }>(res).server_groups.map((g) => g.name);
    };
    assert.deepEqual(await names('/v2.1/os-server-groups'), ['a1', 'a2', 'a3']);
    assert.deepEqual(await names('/v2.1/os-server-groups', BOB), ['b1']);
    assert.deepEqual(await names('/v2.1/os-server-groups?offset=1&limit=1'), ['a2']);
    assert.deepEqual(await names('/v2.1/os-server-groups?offset=1'), ['a2', 'a3']);
    assert.deepEqual(await names('/v2.1/os-server-groups?limit=0'), ['a1', 'a2', 'a3']);
    assert.deepEqual(await names('/v2.1/os-server-groups?offset=10'), []);
    assert.deepEqual(await names('/v2.1/os-server-groups?all_projects=True', ADMIN), ['a1', 'a2', 'a3', 'b1']);
    assert.deepEqual(await names('/v2.1/os-server-groups?all_projects', ADMIN), ['a1', 'a2', 'a3', 'b1']);
    assert.deepEqual(await names('/v2.1/os-server-groups', ADMIN), []);
    const refused = await h.call('GET', '/v2.1/os-server-groups?all_projects=True', { token: ALICE });
    assert.equal(refused.statusCode, 403);
    assert.equal(msg(refused), policyMessage('os_compute_api:os-server-groups:index:all_projects'));
    assert.deepEqual(await names('/v2.1/os-server-groups?bogus=1', ALICE, '2.74'), ['a1', 'a2', 'a3']);
    for (const q of ['?bogus=1', '?limit=-1', '?offset=x', '?limit=1.5', '?offset=']) {
      const version = q === '?bogus=1' ? '2.75' : '2.1';
      const res = await h.call('GET', `/v2.1/os-server-groups${q}`, { token: ALICE, version });
      assert.equal(res.statusCode, 400, `${q} → ${res.body}`);
    }
    const huge = await h.call('GET', '/v2.1/os-server-groups?offset=99999999999999999999&limit=99999999999999999999', { token: ALICE });
    assert.equal(huge.statusCode, 200);
    await cleanup(a1, a2, a3, b1);
  });

  it('shows and deletes: 404 for unknown ids, 403 for another project, admins may', async () => {
    const g = await created({ server_group: { name: 'mine', policies: ['affinity'] } });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', 'x'.repeat(100)]) {
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await h.call(method, `/v2.1/os-server-groups/${id}`, { token: ALICE });
        assert.equal(res.statusCode, 404, `${method} ${id}`);
        assert.equal(msg(res), `Instance group ${id} could not be found.`);
      }
    }
    const other = await h.call('GET', `/v2.1/os-server-groups/${g.id}`, { token: BOB });
    assert.equal(other.statusCode, 403);
    assert.equal(msg(other), policyMessage('os_compute_api:os-server-groups:show'));
    const otherDelete = await h.call('DELETE', `/v2.1/os-server-groups/${g.id}`, { token: BOB });
    assert.equal(otherDelete.statusCode, 403);
    assert.equal(msg(otherDelete), policyMessage('os_compute_api:os-server-groups:delete'));
    assert.equal((await h.call('GET', `/v2.1/os-server-groups/${g.id}`, { token: ADMIN })).statusCode, 200);
    const del = await h.call('DELETE', `/v2.1/os-server-groups/${g.id}`, { token: ALICE });
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, '');
    assert.equal((await h.call('GET', `/v2.1/os-server-groups/${g.id}`, { token: ALICE })).statusCode, 404);
    assert.equal((await h.call('DELETE', `/v2.1/os-server-groups/${g.id}`, { token: ALICE })).statusCode, 404);
  });

  it('enforces the server_groups quota with Nova’s message and counts the usage', async () => {
    const groups: Group[] = [];
    for (let i = 0; i < 4; i++) groups.push(await created({ server_group: { name: `q${i}`, policies: ['affinity'] } }));
    const over = await create({ server_group: { name: 'q5', policies: ['affinity'] } });
    assert.equal(over.statusCode, 403);
    assert.equal(msg(over), 'Quota exceeded, too many server groups.');
    const detail = json<{ quota_set: Record<string, { in_use: number; limit: number }> }>(await h.call('GET', '/v2.1/os-quota-sets/projA/detail', { token: ALICE }));
    assert.deepEqual(detail.quota_set.server_groups, { in_use: 4, limit: 4, reserved: 0 });
    const limits = json<{ limits: { absolute: Record<string, number> } }>(await h.call('GET', '/v2.1/limits', { token: ALICE }));
    assert.equal(limits.limits.absolute.totalServerGroupsUsed, 4);
    const lower = await h.call('PUT', '/v2.1/os-quota-sets/projA', { token: ADMIN, body: { quota_set: { server_groups: 2 } } });
    assert.equal(lower.statusCode, 400);
    assert.equal(msg(lower), 'Quota limit 2 for server_groups must be greater than or equal to already used and reserved 4.');
    assert.equal((await create({ server_group: { name: 'b', policies: ['affinity'] } }, { token: BOB })).statusCode, 200, 'other projects have their own quota');
    await cleanup(...groups.splice(0, 1));
    groups.push(await created({ server_group: { name: 'again', policies: ['affinity'] } }));
    await cleanup(...groups);
  });
});

describe('booting into a server group', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  let alice: ApiClient;
  before(async () => {
    cloud = await startCloud({ computes: ['sg1'], overrides: { quota: { server_group_members: '3' } } });
    admin = new ApiClient(cloud.url);
    alice = admin.as('alice:projA');
  });
  after(() => cloud.stop());

  const group = async (client: ApiClient, policy = 'affinity'): Promise<string> => {
    const r = await client.post<{ server_group: { id: string } }>('/os-server-groups', { server_group: { name: `g-${policy}`, policies: [policy] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.server_group.id;
  };
  const boot = (client: ApiClient, name: string, hints: unknown, extra: Record<string, unknown> = {}) =>
    client.post<Record<string, { message: string }>>('/servers', { server: { name, imageRef: 'cirros', flavorRef: '1', ...extra }, 'os:scheduler_hints': hints });

  it('adds the servers as members, shows server_groups from 2.71 and drops deleted members', async () => {
    const g = await group(alice);
    const id = await alice.boot('m1', {});
    await alice.waitFor(id, ['ACTIVE']);
    const r = await boot(alice, 'm2', { group: g });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const member = (r.body.server as unknown as { id: string }).id;
    await alice.waitFor(member, ['ACTIVE']);
    const shown = await alice.get<{ server_group: { members: string[] } }>(`/os-server-groups/${g}`);
    assert.deepEqual(shown.body.server_group.members, [member]);
    assert.deepEqual((await alice.at('2.71').server(member)).server_groups, [g]);
    assert.deepEqual((await alice.at('2.71').server(id)).server_groups, []);
    assert.equal((await alice.at('2.70').server(member)).server_groups, undefined);
    const detail = await alice.at('2.71').get<{ servers: Record<string, unknown>[] }>('/servers/detail');
    assert.ok(
      detail.body.servers.every((s) => !('server_groups' in s)),
      'server_groups is shown by show only',
    );
    const updated = await alice.at('2.71').put<{ server: Record<string, unknown> }>(`/servers/${member}`, { server: { name: 'm2b' } });
    assert.deepEqual(updated.body.server.server_groups, [g]);
    assert.equal((await alice.delete(`/servers/${member}`)).status, 204);
    await alice.waitGone(member);
    assert.deepEqual((await alice.get<{ server_group: { members: string[] } }>(`/os-server-groups/${g}`)).body.server_group.members, []);
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitGone(id);
  });

  it('refuses unknown, foreign and malformed group hints with 400', async () => {
    const foreign = await group(admin.as('bob:projB'));
    for (const hint of ['00000000-0000-4000-8000-000000000000', foreign]) {
      const r = await boot(alice, 'nope', { group: hint });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest?.message, `Instance group ${hint} could not be found.`);
    }
    for (const hint of ['not-a-uuid', 5, [foreign], null, {}]) {
      const r = await boot(alice, 'nope', { group: hint });
      assert.equal(r.status, 400, JSON.stringify(hint));
      assert.match(r.body.badRequest?.message ?? '', /^Invalid input for field\/attribute group\./);
    }
    assert.equal((await alice.get<{ servers: unknown[] }>('/servers')).body.servers.length, 0, 'nothing was created');
    const asAdmin = await boot(admin, 'admin-in', { group: foreign });
    assert.equal(asAdmin.status, 202, 'an admin may use any group');
    const id = (asAdmin.body.server as unknown as { id: string }).id;
    await admin.waitFor(id, ['ACTIVE']);
    assert.equal((await admin.delete(`/servers/${id}`)).status, 204);
    await admin.waitGone(id);
  });

  it('enforces server_group_members with Nova’s message', async () => {
    const g = await group(alice);
    const r = await boot(alice, 'many', { group: g }, { min_count: 4, max_count: 4 });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden?.message, 'Quota exceeded, too many servers in group');
    const ok = await boot(alice, 'three', { group: g }, { min_count: 3, max_count: 3 });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    const more = await boot(alice, 'fourth', { group: g });
    assert.equal(more.status, 403);
    assert.equal(more.body.forbidden?.message, 'Quota exceeded, too many servers in group');
    const members = (await alice.get<{ server_group: { members: string[] } }>(`/os-server-groups/${g}`)).body.server_group.members;
    assert.equal(members.length, 3);
    const servers = (await alice.get<{ servers: { id: string }[] }>('/servers')).body.servers;
    assert.deepEqual(servers.map((s) => s.id).sort(), [...members].sort(), 'refused boots left nothing behind');
    for (const id of members) await alice.waitFor(id, ['ACTIVE']);
    assert.equal((await alice.delete(`/os-server-groups/${g}`)).status, 204, 'a group with members can be deleted');
    for (const id of members) assert.deepEqual((await alice.at('2.71').server(id)).server_groups, []);
    for (const id of members) await alice.delete(`/servers/${id}`);
    for (const id of members) await alice.waitGone(id);
  });
});
