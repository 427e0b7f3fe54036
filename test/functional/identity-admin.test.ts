import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, type IdentityHarness, json, startIdentity } from './identity-harness.ts';

type Obj = Record<string, unknown>;
const err = (res: { body: string }) => json<{ error: { code: number; message: string; title: string } }>(res).error;
const forbidden = (action: string) => ({ code: 403, message: `You are not authorized to perform the requested action: identity:${action}.`, title: 'Forbidden' });

describe('identity: projects, users, roles, assignments, domains, catalog', () => {
  let h: IdentityHarness;
  let admin = '';
  let alice = '';
  let aliceId = '';
  let demoId = '';
  let memberId = '';
  let readerId = '';
  const base = 'http://keystone.test:5000/v3';

  before(async () => {
    h = await startIdentity();
    admin = await h.token('admin', ADMIN_PASSWORD, 'admin');
    memberId = (await h.db.roles.byName('member'))?.id ?? '';
    readerId = (await h.db.roles.byName('reader'))?.id ?? '';
  });
  after(async () => {
    await h.close();
  });

  it('creates, lists, shows, updates projects; duplicates are 409', async () => {
    const res = await h.call('POST', '/v3/projects', { token: admin, body: { project: { name: 'demo', description: 'Demo project', domain_id: null } } });
    assert.equal(res.statusCode, 201, res.body);
    const p = json<{ project: Obj }>(res).project;
    demoId = p.id as string;
    assert.match(demoId, /^[0-9a-f]{32}$/);
    assert.deepEqual(p, {
      id: demoId,
      name: 'demo',
      domain_id: 'default',
      description: 'Demo project',
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: [],
      options: {},
      links: { self: `${base}/projects/${demoId}` },
    });
    const dup = await h.call('POST', '/v3/projects', { token: admin, body: { project: { name: 'demo' } } });
    assert.equal(dup.statusCode, 409);
    assert.deepEqual(err(dup), {
      code: 409,
      message: 'Conflict occurred attempting to store project - Duplicate entry found with name demo at domain ID default.',
      title: 'Conflict',
    });
    const list = json<{ projects: Obj[]; links: Obj }>(await h.call('GET', '/v3/projects?name=demo', { token: admin }));
    assert.deepEqual(
      list.projects.map((x) => x.id),
      [demoId],
    );
    assert.deepEqual(list.links, { self: `${base}/projects`, previous: null, next: null });
    const all = json<{ projects: Obj[] }>(await h.call('GET', '/v3/projects', { token: admin })).projects.map((x) => x.name);
    assert.deepEqual(all, ['admin', 'demo', 'service']);
    const patched = await h.call('PATCH', `/v3/projects/${demoId}`, { token: admin, body: { project: { description: 'changed', tags: ['a'] } } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(json<{ project: Obj }>(patched).project.description, 'changed');
    assert.deepEqual(json<{ project: Obj }>(patched).project.tags, ['a']);
    const shown = await h.call('GET', `/v3/projects/${demoId}`, { token: admin });
    assert.equal(json<{ project: Obj }>(shown).project.description, 'changed');
    const missing = await h.call('GET', '/v3/projects/nope', { token: admin });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(err(missing), { code: 404, message: 'Could not find project: nope.', title: 'Not Found' });
  });

  it('creates users (password never shown, extra attributes kept), lists and shows them', async () => {
    const res = await h.call('POST', '/v3/users', {
      token: admin,
      body: { user: { name: 'alice', password: 'alice-pw', email: 'alice@example.org', default_project_id: demoId, enabled: true } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const u = json<{ user: Obj }>(res).user;
    aliceId = u.id as string;
    assert.deepEqual(u, {
      email: 'alice@example.org',
      id: aliceId,
      name: 'alice',
      domain_id: 'default',
      enabled: true,
      default_project_id: demoId,
      password_expires_at: null,
      options: {},
      links: { self: `${base}/users/${aliceId}` },
    });
    assert.ok(!res.body.includes('alice-pw'));
    const stored = await h.db.users.passwordHash(aliceId);
    assert.match(stored ?? '', /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.equal((await h.call('POST', '/v3/users', { token: admin, body: { user: { name: 'alice' } } })).statusCode, 409);
    const list = json<{ users: Obj[] }>(await h.call('GET', '/v3/users?name=alice', { token: admin })).users;
    assert.deepEqual(
      list.map((x) => x.id),
      [aliceId],
    );
    assert.deepEqual(
      json<{ users: Obj[] }>(await h.call('GET', '/v3/users', { token: admin })).users.map((x) => x.name),
      ['admin', 'alice', 'cinder', 'glance', 'neutron', 'nova'],
    );
  });

  it('grants, checks, lists and revokes roles of a user on a project', async () => {
    const grant = `/v3/projects/${demoId}/users/${aliceId}/roles/${memberId}`;
    assert.equal((await h.call('PUT', grant, { token: admin })).statusCode, 204);
    assert.equal((await h.call('PUT', grant, { token: admin })).statusCode, 204);
    assert.equal((await h.call('GET', grant, { token: admin })).statusCode, 204);
    assert.equal((await h.call('HEAD', grant, { token: admin })).statusCode, 204);
    const roles = json<{ roles: Obj[] }>(await h.call('GET', `/v3/projects/${demoId}/users/${aliceId}/roles`, { token: admin })).roles;
    assert.deepEqual(
      roles.map((r) => r.name),
      ['member'],
    );
    const noRole = await h.call('GET', `/v3/projects/${demoId}/users/${aliceId}/roles/${readerId}`, { token: admin });
    assert.equal(noRole.statusCode, 404);
    assert.equal(err(noRole).message, `Could not find role assignment with role: ${readerId}, user or group: ${aliceId}, project, domain, or system: ${demoId}.`);
    assert.equal((await h.call('PUT', `/v3/projects/${demoId}/users/${aliceId}/roles/nope`, { token: admin })).statusCode, 404);
    alice = await h.token('alice', 'alice-pw', 'demo');
    // Revoking a grant revokes the user's tokens on the project.
    const victim = await h.token('alice', 'alice-pw', 'demo');
    const readerGrant = `/v3/projects/${demoId}/users/${aliceId}/roles/${readerId}`;
    assert.equal((await h.call('PUT', readerGrant, { token: admin })).statusCode, 204);
    assert.equal((await h.call('DELETE', readerGrant, { token: admin })).statusCode, 204);
    assert.equal((await h.call('GET', '/v3/auth/projects', { token: victim })).statusCode, 401);
    assert.equal((await h.call('DELETE', readerGrant, { token: admin })).statusCode, 404);
    alice = await h.token('alice', 'alice-pw', 'demo');
  });

  it('lists role assignments with filters, include_names and effective', async () => {
    let res = await h.call('GET', `/v3/role_assignments?user.id=${aliceId}`, { token: admin });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json<{ role_assignments: Obj[] }>(res).role_assignments, [
      {
        scope: { project: { id: demoId } },
        role: { id: memberId },
        user: { id: aliceId },
        links: { assignment: `${base}/projects/${demoId}/users/${aliceId}/roles/${memberId}` },
      },
    ]);
    res = await h.call('GET', `/v3/role_assignments?scope.project.id=${demoId}&include_names=True`, { token: admin });
    assert.deepEqual(json<{ role_assignments: Obj[] }>(res).role_assignments, [
      {
        scope: { project: { id: demoId, name: 'demo', domain: { id: 'default', name: 'Default' } } },
        role: { id: memberId, name: 'member' },
        user: { id: aliceId, name: 'alice', domain: { id: 'default', name: 'Default' } },
        links: { assignment: `${base}/projects/${demoId}/users/${aliceId}/roles/${memberId}` },
      },
    ]);
    res = await h.call('GET', `/v3/role_assignments?user.id=${aliceId}&effective`, { token: admin });
    const eff = json<{ role_assignments: { role: { id: string }; links: Obj }[] }>(res).role_assignments;
    assert.deepEqual(
      eff.map((a) => a.role.id),
      [memberId, readerId],
    );
    assert.equal(eff[1]?.links.prior_role, `${base}/roles/${memberId}`);
    res = await h.call('GET', `/v3/role_assignments?role.id=${readerId}`, { token: admin });
    assert.deepEqual(json<{ role_assignments: Obj[] }>(res).role_assignments, []);
    res = await h.call('GET', '/v3/role_assignments', { token: admin });
    assert.equal(json<{ role_assignments: Obj[] }>(res).role_assignments.length, 6);
  });

  it('keeps non-admin users out of admin operations (403) but lets them read themselves and their project', async () => {
    const cases: [Parameters<IdentityHarness['call']>[0], string, string, unknown?][] = [
      ['GET', '/v3/users', 'list_users'],
      ['POST', '/v3/users', 'create_user', { user: { name: 'x' } }],
      ['GET', '/v3/projects', 'list_projects'],
      ['POST', '/v3/projects', 'create_project', { project: { name: 'x' } }],
      ['DELETE', `/v3/projects/${demoId}`, 'delete_project'],
      ['GET', '/v3/roles', 'list_roles'],
      ['POST', '/v3/roles', 'create_role', { role: { name: 'x' } }],
      ['PUT', `/v3/projects/${demoId}/users/${aliceId}/roles/${readerId}`, 'create_grant'],
      ['GET', '/v3/role_assignments', 'list_role_assignments'],
      ['GET', '/v3/services', 'list_services'],
      ['POST', '/v3/endpoints', 'create_endpoint', { endpoint: {} }],
      ['GET', '/v3/domains', 'list_domains'],
      ['GET', `/v3/users/${h.boot.adminUserId}`, 'get_user'],
      ['GET', `/v3/projects/${h.boot.adminProjectId}`, 'get_project'],
    ];
    for (const [method, url, action, body] of cases) {
      const res = await h.call(method, url, { token: alice, body });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
      assert.deepEqual(err(res), forbidden(action));
    }
    assert.equal((await h.call('GET', `/v3/users/${aliceId}`, { token: alice })).statusCode, 200);
    assert.equal((await h.call('GET', `/v3/projects/${demoId}`, { token: alice })).statusCode, 200);
    assert.equal((await h.call('GET', `/v3/users/${aliceId}/projects`, { token: alice })).statusCode, 200);
    assert.equal((await h.call('GET', '/v3/domains/default', { token: alice })).statusCode, 200);
    assert.equal((await h.call('GET', '/v3/regions', { token: alice })).statusCode, 200);
  });

  it('answers 400 with a clear message for bad input', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v3/projects', { project: { name: '' } }, "Invalid input for field 'project/name': '' is too short"],
      ['POST', '/v3/projects', { project: { name: 'x', enabled: 'yes' } }, "Invalid input for field 'project/enabled': 'yes' is not of type 'boolean'"],
      ['POST', '/v3/projects', undefined, "'project' is a required property"],
      ['POST', '/v3/projects', { project: { name: 'x', is_domain: true } }, 'Projects acting as domains are not supported.'],
      ['POST', '/v3/users', { user: { name: 'y', password: 12 } }, "Invalid input for field 'user/password': 12 is not of type 'string'"],
      ['PATCH', `/v3/projects/${demoId}`, { project: { domain_id: 'other' } }, 'Update of `domain_id` is not allowed.'],
      ['PATCH', `/v3/users/${aliceId}`, { user: {} }, "Invalid input for field 'user': {} does not have enough properties"],
      [
        'POST',
        '/v3/endpoints',
        { endpoint: { service_id: 'abc', interface: 'private', url: 'http://x' } },
        "Invalid input for field 'endpoint/interface': 'private' is not one of ['public', 'internal', 'admin']",
      ],
      ['POST', '/v3/roles', '[1,', 'Malformed request body'],
    ];
    for (const [method, url, body, message] of cases) {
      const res = await h.call(method as 'POST', url, { token: admin, body });
      assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body}`);
      assert.deepEqual(err(res), { code: 400, message, title: 'Bad Request' });
    }
  });

  it('manages roles: create, duplicate, filter, update, delete (with its assignments)', async () => {
    const res = await h.call('POST', '/v3/roles', { token: admin, body: { role: { name: 'observer', description: 'sees' } } });
    assert.equal(res.statusCode, 201, res.body);
    const role = json<{ role: Obj }>(res).role;
    assert.deepEqual(role, { id: role.id, name: 'observer', domain_id: null, description: 'sees', options: {}, links: { self: `${base}/roles/${role.id}` } });
    const dup = await h.call('POST', '/v3/roles', { token: admin, body: { role: { name: 'observer' } } });
    assert.equal(err(dup).message, 'Conflict occurred attempting to store role - Duplicate entry found with name observer.');
    assert.deepEqual(
      json<{ roles: Obj[] }>(await h.call('GET', '/v3/roles?name=observer', { token: admin })).roles.map((r) => r.id),
      [role.id],
    );
    const patched = await h.call('PATCH', `/v3/roles/${role.id}`, { token: admin, body: { role: { name: 'watcher' } } });
    assert.equal(json<{ role: Obj }>(patched).role.name, 'watcher');
    await h.call('PUT', `/v3/projects/${demoId}/users/${aliceId}/roles/${role.id}`, { token: admin });
    assert.equal((await h.call('DELETE', `/v3/roles/${role.id}`, { token: admin })).statusCode, 204);
    assert.equal((await h.call('GET', `/v3/roles/${role.id}`, { token: admin })).statusCode, 404);
    assert.equal((await h.db.assignments.list({ role_id: role.id as string })).length, 0);
    const inferences = json<{ role_inferences: { prior_role: { name: string }; implies: { name: string }[] }[] }>(await h.call('GET', '/v3/role_inferences', { token: admin }));
    assert.deepEqual(
      inferences.role_inferences.map((r) => [r.prior_role.name, r.implies.map((i) => i.name)]),
      [
        ['admin', ['member']],
        ['member', ['reader']],
      ],
    );
    alice = await h.token('alice', 'alice-pw', 'demo');
  });

  it('updates users: a new password revokes their tokens; users change their own password', async () => {
    const before = await h.token('alice', 'alice-pw', 'demo');
    const res = await h.call('PATCH', `/v3/users/${aliceId}`, { token: admin, body: { user: { password: 'new-pw', description: 'Alice' } } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json<{ user: Obj }>(res).user.description, 'Alice');
    assert.equal((await h.call('GET', '/v3/auth/projects', { token: before })).statusCode, 401);
    assert.equal((await h.login('alice', 'alice-pw', 'demo')).statusCode, 401);
    const own = await h.call('POST', `/v3/users/${aliceId}/password`, { body: { user: { original_password: 'new-pw', password: 'alice-pw' } } });
    assert.equal(own.statusCode, 204, own.body);
    const wrong = await h.call('POST', `/v3/users/${aliceId}/password`, { body: { user: { original_password: 'bad', password: 'x' } } });
    assert.equal(wrong.statusCode, 401);
    alice = await h.token('alice', 'alice-pw', 'demo');
  });

  it('lists and shows domains; manages services and endpoints, which make the catalog', async () => {
    const domains = json<{ domains: Obj[] }>(await h.call('GET', '/v3/domains', { token: admin })).domains;
    assert.deepEqual(domains, [
      { id: 'default', name: 'Default', description: 'The default domain', enabled: true, tags: [], options: {}, links: { self: `${base}/domains/default` } },
    ]);
    const svc = await h.call('POST', '/v3/services', { token: admin, body: { service: { type: 'volumev3', name: 'cinderv3', description: 'Block' } } });
    assert.equal(svc.statusCode, 201, svc.body);
    const svcId = json<{ service: Obj }>(svc).service.id as string;
    const ep = await h.call('POST', '/v3/endpoints', {
      token: admin,
      body: { endpoint: { service_id: svcId, interface: 'public', url: 'http://10.0.0.5:8776/v3', region_id: 'RegionTwo' } },
    });
    assert.equal(ep.statusCode, 201, ep.body);
    const endpoint = json<{ endpoint: Obj }>(ep).endpoint;
    assert.deepEqual(endpoint, {
      id: endpoint.id,
      interface: 'public',
      region: 'RegionTwo',
      region_id: 'RegionTwo',
      service_id: svcId,
      url: 'http://10.0.0.5:8776/v3',
      enabled: true,
      links: { self: `${base}/endpoints/${endpoint.id}` },
    });
    const filtered = json<{ endpoints: Obj[] }>(await h.call('GET', `/v3/endpoints?service_id=${svcId}`, { token: admin })).endpoints;
    assert.equal(filtered.length, 1);
    const catalogTypes = async () =>
      json<{ token: { catalog: { type: string }[] } }>(await h.login('admin', ADMIN_PASSWORD, 'admin'))
        .token.catalog.map((s) => s.type)
        .sort();
    assert.deepEqual(await catalogTypes(), ['compute', 'identity', 'image', 'volumev3']);
    assert.equal((await h.call('DELETE', `/v3/services/${svcId}`, { token: admin })).statusCode, 204);
    assert.equal((await h.call('GET', `/v3/endpoints/${endpoint.id}`, { token: admin })).statusCode, 404);
    assert.deepEqual(await catalogTypes(), ['compute', 'identity', 'image']);
    const unknown = await h.call('GET', '/v3/nothing-here', { token: admin });
    assert.deepEqual(err(unknown), { code: 404, message: 'The resource could not be found.', title: 'Not Found' });
  });

  it('deletes users and projects with their assignments and tokens', async () => {
    const token = await h.token('alice', 'alice-pw', 'demo');
    assert.equal((await h.call('DELETE', `/v3/projects/${demoId}`, { token: admin })).statusCode, 204);
    assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 401);
    assert.equal((await h.db.assignments.list({ project_id: demoId })).length, 0);
    assert.equal((await h.db.users.get(aliceId))?.default_project_id, null);
    assert.equal((await h.call('DELETE', `/v3/users/${aliceId}`, { token: admin })).statusCode, 204);
    assert.equal((await h.call('GET', `/v3/users/${aliceId}`, { token: admin })).statusCode, 404);
    assert.equal((await h.login('alice', 'alice-pw')).statusCode, 401);
  });
});
