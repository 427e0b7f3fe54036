/**
 * The reader role reads and never writes, on every service: every write
 * route of each service's route table (app.routeTable) is sent with a token
 * that holds only `reader` in its project and must be refused with 403, the
 * resource left as it was. The only writes a reader may make are the ones
 * Keystone allows any token holder: logging in and revoking one's own token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { ADMIN_PASSWORD, type IdentityHarness, startIdentity } from './identity-harness.ts';
import { createImage, type ImageHarness, startImageApi } from './image-harness.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every write row of an app, with its params filled from `known`. */
function writeUrls(app: FastifyInstance, known: Readonly<Record<string, string>>): { method: string; url: string }[] {
  return app.routeTable
    .filter((r) => WRITES.has(r.method) && !r.public)
    .map((r) => ({ method: r.method, url: r.path.replace(/:([a-z_]+)/gi, (_m, n: string) => known[n] ?? 'x') }));
}

describe('a reader-only token is refused every write, on every service', () => {
  let cloud: Cloud;
  let identity: IdentityHarness;
  let image: ImageHarness;

  before(async () => {
    cloud = await startCloud({ computes: ['reader-1'] });
    identity = await startIdentity();
    image = await startImageApi();
  });
  after(async () => {
    await image?.close();
    await identity?.close();
    await cloud?.stop();
  });

  it('the Compute API answers 403 to every write of a reader, at every microversion range', async () => {
    const server = await new ApiClient(cloud.url, 'alice:projA').boot('mine');
    const known: Record<string, string> = { id: server, server_id: server, project_id: 'projA', tenant_id: 'projA', name: 'kp', key: 'k', tag: 't', request_id: 'r' };
    // The removed APIs (unguarded) answer 410 to any caller, as Nova's: removed.test.ts checks them.
    const rows = cloud.app.routeTable.filter((r) => WRITES.has(r.method) && !r.public && !r.unguarded);
    assert.ok(rows.length > 25);
    for (const r of rows) {
      const url = r.path.replace(/:([a-z_]+)/gi, (_m, n: string) => known[n] ?? 'x');
      const version = r.maxVersion ?? r.minVersion ?? '2.1';
      const res = await cloud.app.inject({
        method: r.method,
        url,
        headers: { 'x-auth-token': 'reader:projA', 'content-type': 'application/json', 'openstack-api-version': `compute ${version}` },
        payload: '{}',
      });
      assert.equal(res.statusCode, 403, `${r.method} ${url} @${version}: ${res.body}`);
    }
    const still = await new ApiClient(cloud.url, 'alice:projA').server(server);
    assert.equal(still.id, server);
  });

  it('the image API answers 403 to every write of a reader', async () => {
    const img = await createImage(image, { name: 'mine', disk_format: 'raw', container_format: 'bare' });
    const urls = writeUrls(image.app, { id: String(img.id), tag: 't', member: 'projB' });
    assert.ok(urls.length >= 9);
    for (const { method, url } of urls) {
      const res = await image.call(method === 'PATCH' ? 'PATCH' : (method as 'POST' | 'PUT' | 'DELETE'), url, {
        token: 'reader:projA',
        body: method === 'PATCH' ? [] : {},
        contentType: method === 'PATCH' ? 'application/openstack-images-v2.1-json-patch' : undefined,
      });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    }
    assert.equal((await image.call('GET', `/v2/images/${String(img.id)}`, { token: 'reader:projA' })).statusCode, 200, 'a reader reads');
  });

  it('the identity API answers 403 to every write of a reader (login and revoking its own token aside)', async () => {
    const admin = await identity.token('admin', ADMIN_PASSWORD, 'admin');
    const project = JSON.parse((await identity.call('POST', '/v3/projects', { token: admin, body: { project: { name: 'readers' } } })).body).project.id;
    const user = JSON.parse((await identity.call('POST', '/v3/users', { token: admin, body: { user: { name: 'rita', password: 'R3ader-pass' } } })).body).user.id;
    const roles = JSON.parse((await identity.call('GET', '/v3/roles?name=reader', { token: admin })).body).roles;
    const reader = roles[0].id;
    assert.equal((await identity.call('PUT', `/v3/projects/${project}/users/${user}/roles/${reader}`, { token: admin })).statusCode, 204);
    const token = await identity.token('rita', 'R3ader-pass', 'readers');
    const allowed = new Set(['DELETE /v3/auth/tokens']);
    const urls = writeUrls(identity.app, { project_id: project, user_id: user, role_id: reader, domain_id: 'default', prior_role_id: reader, implied_role_id: reader }).filter(
      (u) => !allowed.has(`${u.method} ${u.url}`),
    );
    assert.ok(urls.length > 15);
    for (const { method, url } of urls) {
      const res = await identity.call(method as 'POST' | 'PUT' | 'PATCH' | 'DELETE', url, { token, body: {} });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    }
  });
});
