import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeystoneAuthenticator, type KeystoneAuthOptions } from '../../src/clients/keystone-auth.ts';
import { IdentityUnavailable } from '../../src/clients/keystone-client.ts';
import { authenticatorFromConfig } from '../../src/cmd/auth.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { NoAuth2, Unauthorized } from '../../src/http/auth.ts';
import { ADMIN_PASSWORD, type IdentityHarness, SERVICE_PASSWORD, startIdentity } from './identity-harness.ts';

describe('identity: KeystoneAuthenticator (token validation for nova-api)', () => {
  let h: IdentityHarness;
  let authUrl = '';
  let admin = '';
  const calls: { method: string; path: string; authToken: string | null }[] = [];
  const counting: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    calls.push({ method: init?.method ?? 'GET', path: url.pathname, authToken: headers.get('x-auth-token') });
    return fetch(input, init);
  };
  const make = (o: Partial<KeystoneAuthOptions> = {}) =>
    new KeystoneAuthenticator({
      authUrl,
      username: 'nova',
      password: SERVICE_PASSWORD,
      projectName: 'service',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      cacheTimeSec: 10,
      fetch: counting,
      ...o,
    });

  before(async () => {
    h = await startIdentity();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    authUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/v3`;
    admin = await h.token('admin', ADMIN_PASSWORD, 'admin');
  });
  after(async () => {
    await h.close();
  });

  it('maps a valid token to a RequestContext (user, project, roles, is_admin, request ids)', async () => {
    const auth = make();
    const ctx = await auth.authenticate({ 'x-auth-token': admin, 'x-openstack-request-id': 'req-global' }, 'req-local');
    assert.deepEqual(
      { ...ctx, roles: [...ctx.roles].sort() },
      {
        request_id: 'req-local',
        global_request_id: 'req-global',
        user_id: h.boot.adminUserId,
        project_id: h.boot.adminProjectId,
        roles: ['admin', 'member', 'reader'],
        is_admin: true,
        auth_token: admin,
      },
    );
    // A member is not an admin.
    const demo = await h.call('POST', '/v3/projects', { token: admin, body: { project: { name: 'demo' } } });
    const demoId = (JSON.parse(demo.body) as { project: { id: string } }).project.id;
    const user = await h.call('POST', '/v3/users', { token: admin, body: { user: { name: 'carol', password: 'carol-pw' } } });
    const carolId = (JSON.parse(user.body) as { user: { id: string } }).user.id;
    const reader = (await h.db.roles.byName('reader'))?.id;
    await h.call('PUT', `/v3/projects/${demoId}/users/${carolId}/roles/${reader}`, { token: admin });
    const carol = await auth.authenticate({ 'x-auth-token': await h.token('carol', 'carol-pw', 'demo') }, 'r');
    assert.deepEqual([carol.user_id, carol.project_id, carol.roles, carol.is_admin], [carolId, demoId, ['reader'], false]);
  });

  it('refuses missing, unknown and revoked tokens with Unauthorized (401)', async () => {
    const auth = make({ cacheTimeSec: 0 });
    await assert.rejects(auth.authenticate({}, 'r'), (e: unknown) => e instanceof Unauthorized && e.status === 401);
    await assert.rejects(auth.authenticate({ 'x-auth-token': 'garbage' }, 'r'), Unauthorized);
    const token = await h.token('admin', ADMIN_PASSWORD, 'admin');
    await auth.authenticate({ 'x-auth-token': token }, 'r');
    await h.call('DELETE', '/v3/auth/tokens', { token: admin, subject: token });
    await assert.rejects(auth.authenticate({ 'x-auth-token': token }, 'r'), (e: unknown) => {
      assert.ok(e instanceof Unauthorized);
      assert.equal(e.message, 'The request you have made requires authentication.');
      assert.equal(e.headers['www-authenticate'], `Keystone uri="${authUrl.replace(/\/v3$/, '')}"`);
      return true;
    });
  });

  it('caches validations for token_cache_time: a revocation takes effect at most that late', async () => {
    const auth = make({ cacheTimeSec: 1 });
    const token = await h.token('admin', ADMIN_PASSWORD, 'admin');
    calls.length = 0;
    await auth.authenticate({ 'x-auth-token': token }, 'r');
    await Promise.all([1, 2, 3].map(() => auth.authenticate({ 'x-auth-token': token }, 'r')));
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      ['POST /v3/auth/tokens', 'GET /v3/auth/tokens'],
    );
    await h.call('DELETE', '/v3/auth/tokens', { token: admin, subject: token });
    await auth.authenticate({ 'x-auth-token': token }, 'r'); // still cached
    await sleep(1100);
    await assert.rejects(auth.authenticate({ 'x-auth-token': token }, 'r'), Unauthorized);
  });

  it('authenticates again when its own token stops working', async () => {
    const auth = make({ cacheTimeSec: 0 });
    calls.length = 0;
    await auth.authenticate({ 'x-auth-token': admin }, 'r');
    const serviceToken = calls.find((c) => c.method === 'GET')?.authToken ?? '';
    assert.ok(serviceToken);
    await h.call('DELETE', '/v3/auth/tokens', { token: admin, subject: serviceToken });
    calls.length = 0;
    const ctx = await auth.authenticate({ 'x-auth-token': admin }, 'r');
    assert.equal(ctx.user_id, h.boot.adminUserId);
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      ['GET /v3/auth/tokens', 'POST /v3/auth/tokens', 'GET /v3/auth/tokens'],
    );
  });

  it('answers 503 (IdentityUnavailable) when the service user cannot authenticate or the identity service is down', async () => {
    await assert.rejects(make({ password: 'wrong' }).authenticate({ 'x-auth-token': admin }, 'r'), (e: unknown) => e instanceof IdentityUnavailable && e.status === 503);
    await assert.rejects(make({ authUrl: 'http://127.0.0.1:1/v3' }).authenticate({ 'x-auth-token': admin }, 'r'), IdentityUnavailable);
  });

  it('authenticatorFromConfig follows [api] auth_strategy', () => {
    assert.ok(authenticatorFromConfig(loadConfig({ overrides: { api: { auth_strategy: 'noauth2' } } })) instanceof NoAuth2);
    assert.ok(authenticatorFromConfig(loadConfig({})) instanceof KeystoneAuthenticator, 'keystone is the default');
    const conf = loadConfig({ overrides: { api: { auth_strategy: 'keystone' }, keystone_authtoken: { auth_url: authUrl, password: 'x', token_cache_time: '5' } } });
    assert.ok(authenticatorFromConfig(conf) instanceof KeystoneAuthenticator);
  });
});

describe('identity: KeystoneAuthenticator service token renewal', () => {
  let h: IdentityHarness;
  let authUrl = '';
  before(async () => {
    h = await startIdentity({ token: { expiration: '3' } });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    authUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(async () => {
    await h.close();
  });

  it('authenticates again before its own token expires', async () => {
    const logins: string[] = [];
    const auth = new KeystoneAuthenticator({
      authUrl,
      username: 'nova',
      password: SERVICE_PASSWORD,
      projectName: 'service',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      cacheTimeSec: 0,
      fetch: async (input, init) => {
        if (init?.method === 'POST') logins.push(String(input));
        return fetch(input, init);
      },
    });
    await auth.authenticate({ 'x-auth-token': await h.token('admin', ADMIN_PASSWORD, 'admin') }, 'r');
    assert.equal(logins.length, 1);
    await auth.authenticate({ 'x-auth-token': await h.token('admin', ADMIN_PASSWORD, 'admin') }, 'r');
    assert.equal(logins.length, 1);
    await sleep(1600);
    await auth.authenticate({ 'x-auth-token': await h.token('admin', ADMIN_PASSWORD, 'admin') }, 'r');
    assert.equal(logins.length, 2);
    assert.equal(logins[0], `${authUrl}/v3/auth/tokens?nocatalog`);
  });
});
