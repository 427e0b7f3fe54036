import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { identityKysely } from '../../src/identity/db/tables.ts';
import { ADMIN_PASSWORD, type IdentityHarness, json, passwordAuth, startIdentity, URLS } from './identity-harness.ts';

interface Token {
  methods: string[];
  user: { id: string; name: string; domain: { id: string; name: string }; password_expires_at: null };
  project?: { id: string; name: string; domain: { id: string; name: string } };
  roles?: { id: string; name: string }[];
  catalog?: { type: string; name: string; id: string; endpoints: { id: string; interface: string; region: string; region_id: string; url: string }[] }[];
  expires_at: string;
  issued_at: string;
  audit_ids: string[];
  is_domain?: boolean;
}
const tokenOf = (res: { body: string }) => json<{ token: Token }>(res).token;
const UNAUTHORIZED = { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } };
const ISO_MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('identity: tokens', () => {
  let h: IdentityHarness;
  let aliceId = '';
  let demoId = '';
  let adminToken = '';

  before(async () => {
    h = await startIdentity();
    adminToken = await h.token('admin', ADMIN_PASSWORD, 'admin');
    const demo = await h.call('POST', '/v3/projects', { token: adminToken, body: { project: { name: 'demo' } } });
    demoId = json<{ project: { id: string } }>(demo).project.id;
    const alice = await h.call('POST', '/v3/users', { token: adminToken, body: { user: { name: 'alice', password: 'alice-pw', default_project_id: demoId } } });
    aliceId = json<{ user: { id: string } }>(alice).user.id;
    const member = (await h.db.roles.byName('member'))?.id;
    assert.equal((await h.call('PUT', `/v3/projects/${demoId}/users/${aliceId}/roles/${member}`, { token: adminToken })).statusCode, 204);
  });
  after(async () => {
    await h.close();
  });

  it('answers the version documents as Keystone: GET / is 300, GET /v3 is 200', async () => {
    const root = await h.call('GET', '/');
    assert.equal(root.statusCode, 300);
    const v3 = {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: 'http://keystone.test:5000/v3/' }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
    assert.deepEqual(json(root), { versions: { values: [v3] } });
    const doc = await h.call('GET', '/v3');
    assert.equal(doc.statusCode, 200);
    assert.deepEqual(json(doc), { version: v3 });
    assert.equal((await h.call('GET', '/v3/')).statusCode, 200);
  });

  it('issues a project-scoped token for password auth by user name and domain name: 201, X-Subject-Token, Keystone body', async () => {
    const res = await h.login('admin', ADMIN_PASSWORD, 'admin');
    assert.equal(res.statusCode, 201, res.body);
    const id = res.headers['x-subject-token'] as string;
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    const t = tokenOf(res);
    assert.deepEqual(Object.keys(t), ['methods', 'user', 'audit_ids', 'expires_at', 'issued_at', 'project', 'is_domain', 'roles', 'catalog']);
    assert.deepEqual(t.methods, ['password']);
    assert.deepEqual(t.user, { domain: { id: 'default', name: 'Default' }, id: h.boot.adminUserId, name: 'admin', password_expires_at: null });
    assert.deepEqual(t.project, { domain: { id: 'default', name: 'Default' }, id: h.boot.adminProjectId, name: 'admin' });
    assert.equal(t.is_domain, false);
    assert.match(t.issued_at, ISO_MICRO);
    assert.match(t.expires_at, ISO_MICRO);
    const lifetime = Date.parse(t.expires_at) - Date.parse(t.issued_at);
    assert.ok(lifetime > 3598_000 && lifetime <= 3600_000, String(lifetime));
    assert.equal(t.audit_ids.length, 1);
    assert.match(t.audit_ids[0] as string, /^[A-Za-z0-9_-]{22}$/);
    // The token is stored only as its hash.
    const stored = await identityKysely(h.conn).selectFrom('identity_tokens').selectAll().execute();
    assert.ok(!JSON.stringify(stored).includes(id));
  });

  it('authenticates by user id, by domain id, and scopes by project id', async () => {
    const byId = { auth: { identity: { methods: ['password'], password: { user: { id: aliceId, password: 'alice-pw' } } }, scope: { project: { id: demoId } } } };
    let res = await h.call('POST', '/v3/auth/tokens', { body: byId });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(tokenOf(res).project?.name, 'demo');
    const byDomainId = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'alice', domain: { id: 'default' }, password: 'alice-pw' } } },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    };
    res = await h.call('POST', '/v3/auth/tokens', { body: byDomainId });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(tokenOf(res).user.id, aliceId);
  });

  it('issues unscoped tokens (no project, roles or catalog); without a scope it scopes to the default project', async () => {
    const unscoped = await h.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { id: aliceId, password: 'alice-pw' } } }, scope: 'unscoped' } },
    });
    assert.equal(unscoped.statusCode, 201, unscoped.body);
    assert.deepEqual(Object.keys(tokenOf(unscoped)), ['methods', 'user', 'audit_ids', 'expires_at', 'issued_at']);
    const defaulted = await h.login('alice', 'alice-pw');
    assert.equal(tokenOf(defaulted).project?.id, demoId);
    const adminUnscoped = await h.login('nova', 'Secr3t-service');
    assert.equal(tokenOf(adminUnscoped).project?.name, 'service');
  });

  it('rescopes with the token method, keeping the expiry and the audit chain', async () => {
    const first = await h.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { id: aliceId, password: 'alice-pw' } } }, scope: 'unscoped' } },
    });
    const original = tokenOf(first);
    const res = await h.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: first.headers['x-subject-token'] } }, scope: { project: { id: demoId } } } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const t = tokenOf(res);
    assert.deepEqual(t.methods, ['token', 'password']);
    assert.equal(t.expires_at, original.expires_at);
    assert.equal(t.audit_ids[1], original.audit_ids[0]);
    assert.equal(t.project?.id, demoId);
    const bad = await h.call('POST', '/v3/auth/tokens', { body: { auth: { identity: { methods: ['token'], token: { id: 'nope' } } } } });
    assert.equal(bad.statusCode, 401);
  });

  it("answers 401 with Keystone's body and WWW-Authenticate for a wrong password, an unknown user, domain or project", async () => {
    const cases = [
      passwordAuth('admin', 'wrong', 'admin'),
      passwordAuth('nobody', ADMIN_PASSWORD, 'admin'),
      { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Nope' }, password: ADMIN_PASSWORD } } } } },
      passwordAuth('admin', ADMIN_PASSWORD, 'demo'), // no role there
      passwordAuth('admin', ADMIN_PASSWORD, 'nonexistent'),
      { auth: { identity: { methods: ['totp'], totp: {} } } },
      { auth: { identity: { methods: ['password'], password: { user: { id: aliceId, password: 'alice-pw' } } }, scope: { domain: { id: 'default' } } } },
    ];
    for (const body of cases) {
      const res = await h.call('POST', '/v3/auth/tokens', { body });
      assert.equal(res.statusCode, 401, JSON.stringify(body));
      assert.deepEqual(json(res), UNAUTHORIZED);
      assert.equal(res.headers['www-authenticate'], 'Keystone uri="http://keystone.test:5000"');
      assert.equal(res.headers['x-subject-token'], undefined);
    }
  });

  it('answers 400 for malformed auth bodies, never 500', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^'auth' is a required property$/],
      [{ auth: {} }, /^Invalid input for field 'auth': 'identity' is a required property$/],
      [{ auth: { identity: { methods: 'password' } } }, /^Invalid input for field 'auth\/identity\/methods': 'password' is not of type 'array'$/],
      [{ auth: { identity: { methods: ['password'] } } }, /^Expecting to find password in identity/],
      [{ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x' } } } } }, /^Expecting to find domain in user/],
      [{ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 5, domain: { id: 'default' } } } } } }, /is not of type 'string'$/],
      ['{"auth": ', /^Malformed request body$/],
    ];
    for (const [body, message] of cases) {
      const res = await h.call('POST', '/v3/auth/tokens', { body });
      assert.equal(res.statusCode, 400, res.body);
      const err = json<{ error: { code: number; title: string; message: string } }>(res).error;
      assert.equal(err.title, 'Bad Request');
      assert.match(err.message, message);
    }
  });

  it('expands implied roles: admin ⊃ member ⊃ reader', async () => {
    assert.deepEqual(
      tokenOf(await h.login('admin', ADMIN_PASSWORD, 'admin'))
        .roles?.map((r) => r.name)
        .sort(),
      ['admin', 'member', 'reader'],
    );
    assert.deepEqual(
      tokenOf(await h.login('alice', 'alice-pw', 'demo'))
        .roles?.map((r) => r.name)
        .sort(),
      ['member', 'reader'],
    );
  });

  it('puts the catalog in the token: compute, identity and image with public/internal/admin endpoints in RegionOne', async () => {
    const catalog = tokenOf(await h.login('alice', 'alice-pw', 'demo')).catalog ?? [];
    const byType = Object.fromEntries(catalog.map((s) => [s.type, s]));
    assert.deepEqual(Object.keys(byType).sort(), ['compute', 'identity', 'image']);
    assert.equal(byType.compute?.name, 'nova');
    assert.equal(byType.identity?.name, 'keystone');
    assert.equal(byType.image?.name, 'glance');
    for (const [type, url] of [
      ['compute', URLS.computeUrl],
      ['identity', URLS.identityUrl],
      ['image', URLS.imageUrl],
    ] as const) {
      const eps = byType[type]?.endpoints ?? [];
      assert.deepEqual(eps.map((e) => e.interface).sort(), ['admin', 'internal', 'public']);
      for (const e of eps) {
        assert.deepEqual(Object.keys(e), ['id', 'interface', 'region', 'region_id', 'url']);
        assert.equal(e.url, url);
        assert.equal(e.region, 'RegionOne');
        assert.equal(e.region_id, 'RegionOne');
      }
    }
    const token = await h.token('alice', 'alice-pw', 'demo');
    const res = await h.call('GET', '/v3/auth/catalog', { token });
    assert.equal(res.statusCode, 200);
    assert.equal(json<{ catalog: unknown[] }>(res).catalog.length, 3);
    const unscoped = tokenOf(await h.call('POST', '/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD) }));
    assert.equal(unscoped.project?.name, 'admin'); // default project
    const projects = await h.call('GET', '/v3/auth/projects', { token });
    assert.deepEqual(
      json<{ projects: { name: string }[] }>(projects).projects.map((p) => p.name),
      ['demo'],
    );
  });

  it('validates tokens with GET and HEAD (X-Subject-Token), with ?nocatalog', async () => {
    const subject = await h.token('alice', 'alice-pw', 'demo');
    let res = await h.call('GET', '/v3/auth/tokens', { token: adminToken, subject });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-subject-token'], subject);
    assert.equal(tokenOf(res).user.id, aliceId);
    assert.equal(tokenOf(res).catalog?.length, 3);
    res = await h.call('GET', '/v3/auth/tokens?nocatalog', { token: adminToken, subject });
    assert.equal(tokenOf(res).catalog, undefined);
    assert.deepEqual(
      tokenOf(res)
        .roles?.map((r) => r.name)
        .sort(),
      ['member', 'reader'],
    );
    res = await h.call('HEAD', '/v3/auth/tokens', { token: adminToken, subject });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    // A user may validate its own token, not another user's.
    assert.equal((await h.call('GET', '/v3/auth/tokens', { token: subject, subject })).statusCode, 200);
    const other = await h.call('GET', '/v3/auth/tokens', { token: subject, subject: adminToken });
    assert.equal(other.statusCode, 403);
    assert.equal(json<{ error: { message: string } }>(other).error.message, 'You are not authorized to perform the requested action: identity:validate_token.');
    // No or a bad X-Auth-Token: 401; a bad subject: 404; no subject: 400.
    assert.equal((await h.call('GET', '/v3/auth/tokens', { subject })).statusCode, 401);
    assert.deepEqual(json(await h.call('GET', '/v3/auth/tokens', { token: 'garbage', subject })), UNAUTHORIZED);
    const bad = await h.call('GET', '/v3/auth/tokens', { token: adminToken, subject: 'garbage' });
    assert.equal(bad.statusCode, 404);
    assert.deepEqual(json(bad), { error: { code: 404, message: 'Failed to validate token', title: 'Not Found' } });
    assert.equal((await h.call('GET', '/v3/auth/tokens', { token: adminToken })).statusCode, 400);
  });

  it('revokes tokens: DELETE /v3/auth/tokens, then 401 everywhere and 404 as a subject', async () => {
    const victim = await h.token('alice', 'alice-pw', 'demo');
    assert.equal((await h.call('GET', '/v3/auth/projects', { token: victim })).statusCode, 200);
    assert.equal((await h.call('DELETE', '/v3/auth/tokens', { token: adminToken, subject: victim })).statusCode, 204);
    const res = await h.call('GET', '/v3/auth/projects', { token: victim });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(json(res), UNAUTHORIZED);
    assert.equal((await h.call('GET', '/v3/auth/tokens', { token: adminToken, subject: victim })).statusCode, 404);
    assert.equal((await h.call('POST', '/v3/auth/tokens', { body: { auth: { identity: { methods: ['token'], token: { id: victim } } } } })).statusCode, 401);
    // A user may revoke its own token.
    const own = await h.token('alice', 'alice-pw', 'demo');
    assert.equal((await h.call('DELETE', '/v3/auth/tokens', { token: own, subject: own })).statusCode, 204);
    assert.equal((await h.call('GET', '/v3/auth/projects', { token: own })).statusCode, 401);
  });

  it('refuses tokens of users that were disabled', async () => {
    const bob = await h.call('POST', '/v3/users', { token: adminToken, body: { user: { name: 'bob', password: 'bob-pw' } } });
    const bobId = json<{ user: { id: string } }>(bob).user.id;
    const token = (await h.call('POST', '/v3/auth/tokens', { body: passwordAuth('bob', 'bob-pw') })).headers['x-subject-token'] as string;
    assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 200);
    await h.call('PATCH', `/v3/users/${bobId}`, { token: adminToken, body: { user: { enabled: false } } });
    assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 401);
    assert.equal((await h.call('POST', '/v3/auth/tokens', { body: passwordAuth('bob', 'bob-pw') })).statusCode, 401);
  });
});

describe('identity: token expiry', () => {
  let h: IdentityHarness;
  before(async () => {
    h = await startIdentity({ token: { expiration: '1' } });
  });
  after(async () => {
    await h.close();
  });

  it('refuses an expired token with 401 ([token] expiration = 1)', async () => {
    const res = await h.login('admin', ADMIN_PASSWORD, 'admin');
    assert.equal(res.statusCode, 201);
    const t = tokenOf(res);
    assert.ok(Date.parse(t.expires_at) - Date.parse(t.issued_at) <= 1000);
    const token = res.headers['x-subject-token'] as string;
    await sleep(Math.max(0, Date.parse(t.expires_at) - Date.now()) + 50);
    const after = await h.call('GET', '/v3/auth/projects', { token });
    assert.equal(after.statusCode, 401);
    assert.deepEqual(json(after), UNAUTHORIZED);
    assert.equal(after.headers['www-authenticate'], 'Keystone uri="http://keystone.test:5000"');
    // As a subject: 404, unless allow_expired.
    const fresh = await h.token('admin', ADMIN_PASSWORD, 'admin');
    assert.equal((await h.call('GET', '/v3/auth/tokens', { token: fresh, subject: token })).statusCode, 404);
    assert.equal((await h.call('GET', '/v3/auth/tokens?allow_expired=1', { token: fresh, subject: token })).statusCode, 200);
  });
});
