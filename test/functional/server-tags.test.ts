/** Server tags (2.26+): list, replace, add, check, remove; Nova's limits, states, messages and ownership. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Fault = Record<string, { code: number; message: string }>;
const message = (body: unknown) => (Object.values(body as Fault)[0] as { message: string }).message;

describe('server tags', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;
  let id: string;
  before(async () => {
    cloud = await startCloud();
    admin = new ApiClient(cloud.url, 'admin:admin', '2.26');
    alice = admin.as('alice:projA');
    bob = admin.as('bob:projB');
    id = await alice.boot('tagged');
    await alice.waitFor(id, ['ACTIVE']);
  });
  after(() => cloud.stop());

  const tags = async (c: ApiClient = alice) => {
    const r = await c.get<{ tags: string[] }>(`/servers/${id}/tags`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.tags;
  };

  it('exists from 2.26 only', async () => {
    for (const [method, path] of [
      ['GET', `/servers/${id}/tags`],
      ['PUT', `/servers/${id}/tags/a`],
      ['DELETE', `/servers/${id}/tags`],
    ] as const) {
      const r = await alice.at('2.25').req(method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(message(r.body), 'The resource could not be found.');
    }
  });

  it('replaces all tags (unique, sorted), shows them on the server from 2.26 and filters the server list', async () => {
    assert.deepEqual(await tags(), []);
    const r = await alice.put<{ tags: string[] }>(`/servers/${id}/tags`, { tags: ['b', 'a', 'b', 'c d'] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { tags: ['a', 'b', 'c d'] });
    assert.deepEqual(await tags(), ['a', 'b', 'c d']);
    assert.deepEqual((await alice.server(id)).tags, ['a', 'b', 'c d']);
    assert.equal((await alice.at('2.25').server(id)).tags, undefined);
    const listed = await alice.get<{ servers: { id: string }[] }>('/servers?tags=b');
    assert.deepEqual(
      listed.body.servers.map((s) => s.id),
      [id],
    );
    assert.deepEqual((await alice.get<{ servers: unknown[] }>('/servers?tags=zzz')).body.servers, []);
    const cleared = await alice.delete(`/servers/${id}/tags`);
    assert.equal(cleared.status, 204);
    assert.deepEqual(await tags(), []);
  });

  it("adds one tag (201 with Location, then 204), checks and removes it with Nova's 404 texts", async () => {
    const added = await alice.req('PUT', `/servers/${id}/tags/web`);
    assert.equal(added.status, 201);
    assert.equal(added.headers.get('location'), `${cloud.url}/v2.1/servers/${id}/tags/web`);
    const again = await alice.req('PUT', `/servers/${id}/tags/web`);
    assert.equal(again.status, 204);
    assert.equal((await alice.put(`/servers/${id}/tags/web`, null)).status, 204, 'a JSON null body is no body');
    assert.equal((await alice.get(`/servers/${id}/tags/web`)).status, 204);
    const missing = await alice.get(`/servers/${id}/tags/db`);
    assert.equal(missing.status, 404);
    assert.equal(message(missing.body), `Server ${id} has no tag 'db'`);
    assert.equal((await alice.delete(`/servers/${id}/tags/web`)).status, 204);
    const gone = await alice.delete(`/servers/${id}/tags/web`);
    assert.equal(gone.status, 404);
    assert.equal(message(gone.body), `Instance ${id} has no tag 'web'`);
    assert.deepEqual(await tags(), []);
    const accented = await alice.req('PUT', `/servers/${id}/tags/caf%C3%A9%20bar`);
    assert.equal(accented.status, 201);
    assert.equal(accented.headers.get('location'), `${cloud.url}/v2.1/servers/${id}/tags/caf%C3%A9%20bar`);
    assert.deepEqual(await tags(), ['café bar']);
    assert.equal((await alice.delete(`/servers/${id}/tags/caf%C3%A9%20bar`)).status, 204);
    for (const bad of ['%E0', '%', '%zz']) assert.ok((await alice.req('PUT', `/servers/${id}/tags/${bad}`)).status < 500, bad);
    assert.deepEqual(await tags(), []);
  });

  it('keeps to 50 tags per server', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const tooMany = await alice.put(`/servers/${id}/tags`, { tags: [...fifty, 'x'] });
    assert.equal(tooMany.status, 400);
    assert.match(message(tooMany.body), /^Invalid input for field\/attribute tags\. .* is too long$/);
    assert.equal((await alice.put(`/servers/${id}/tags`, { tags: fifty })).status, 200);
    for (const tag of ['x', 't00']) {
      const r = await alice.req('PUT', `/servers/${id}/tags/${tag}`);
      assert.equal(r.status, 400, tag);
      assert.equal(message(r.body), 'The number of tags exceeded the per-server limit 50');
    }
    assert.equal((await tags()).length, 50);
    assert.equal((await alice.delete(`/servers/${id}/tags`)).status, 204);
  });

  it('refuses malformed tags and bodies with 400', async () => {
    const long = 'x'.repeat(61);
    const bad = [
      [long, `'${long}' is too long`],
      ['a%2Cb', "'a,b' does not match '^[^,/]*$'"],
      ['a%2Fb', "'a/b' does not match '^[^,/]*$'"],
    ];
    for (const [tag, reason] of bad) {
      const r = await alice.req('PUT', `/servers/${id}/tags/${tag}`);
      assert.equal(r.status, 400, tag);
      assert.equal(
        message(r.body),
        `Tag '${decodeURIComponent(tag as string)}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: ${reason}`,
      );
    }
    assert.equal((await alice.req('PUT', `/servers/${id}/tags/${'y'.repeat(60)}`)).status, 201, '60 characters are fine');
    const bodies: unknown[] = [{}, { tags: 'a' }, { tags: [''] }, { tags: ['a,b'] }, { tags: ['a/b'] }, { tags: [long] }, { tags: [1] }, { tags: [], x: 1 }, [], 'text', null];
    for (const body of bodies) {
      const r = await alice.put(`/servers/${id}/tags`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    const raw = await fetch(`${cloud.url}/v2.1/servers/${id}/tags`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': 'alice:projA', 'OpenStack-API-Version': 'compute 2.26', 'Content-Type': 'application/json' },
      body: '{"tags": [',
    });
    assert.equal(raw.status, 400);
    const withBody = await alice.put(`/servers/${id}/tags/ok`, {});
    assert.equal(withBody.status, 400);
    assert.equal(message(withBody.body), "{} is not of type 'null'");
    assert.deepEqual(await tags(), ['y'.repeat(60)]);
    assert.equal((await alice.delete(`/servers/${id}/tags`)).status, 204);
  });

  it("hides other projects' servers (404) but lets an admin in", async () => {
    for (const [method, path] of [
      ['GET', `/servers/${id}/tags`],
      ['PUT', `/servers/${id}/tags`],
      ['DELETE', `/servers/${id}/tags`],
      ['GET', `/servers/${id}/tags/a`],
      ['PUT', `/servers/${id}/tags/a`],
      ['DELETE', `/servers/${id}/tags/a`],
    ] as const) {
      const r = await bob.req(method, path, method === 'PUT' && !path.endsWith('/a') ? { tags: ['x'] } : undefined);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(message(r.body), `Instance ${id} could not be found.`);
    }
    assert.equal((await admin.req('PUT', `/servers/${id}/tags/by-admin`)).status, 201);
    assert.deepEqual(await tags(), ['by-admin']);
    assert.equal((await admin.delete(`/servers/${id}/tags/by-admin`)).status, 204);
    assert.equal((await alice.get('/servers/00000000-0000-0000-0000-000000000000/tags')).status, 404);
  });

  it('changes tags of a locked server (Nova checks no lock) and of stopped ones', async () => {
    assert.equal((await admin.post(`/servers/${id}/action`, { lock: null })).status, 202);
    assert.equal((await alice.req('PUT', `/servers/${id}/tags/locked`)).status, 201);
    assert.equal((await admin.post(`/servers/${id}/action`, { unlock: null })).status, 202);
    assert.equal((await alice.post(`/servers/${id}/action`, { 'os-stop': null })).status, 202);
    await alice.waitFor(id, ['SHUTOFF']);
    assert.equal((await alice.delete(`/servers/${id}/tags/locked`)).status, 204);
    assert.equal((await alice.post(`/servers/${id}/action`, { 'os-start': null })).status, 202);
    await alice.waitFor(id, ['ACTIVE']);
  });

  it("answers 409 with Nova's text while the server is building, but still reads its tags", async () => {
    await cloud.db.instances.update(id, { vm_state: 'building' });
    try {
      const cases = [
        ['PUT', `/servers/${id}/tags`, { tags: ['a'] }, 'update tags'],
        ['DELETE', `/servers/${id}/tags`, undefined, 'delete tags'],
        ['PUT', `/servers/${id}/tags/a`, undefined, 'update tag'],
        ['PUT', `/servers/${id}/tags/a%2Cb`, undefined, 'update tag'],
        ['DELETE', `/servers/${id}/tags/a`, undefined, 'delete tag'],
      ] as const;
      for (const [method, path, body, action] of cases) {
        const r = await alice.req(method, path, body);
        assert.equal(r.status, 409, `${method} ${path}`);
        assert.equal(message(r.body), `Cannot '${action}' instance ${id} while it is in vm_state building`);
      }
      assert.deepEqual(await tags(), []);
      assert.equal((await alice.get(`/servers/${id}/tags/a`)).status, 404);
    } finally {
      await cloud.db.instances.update(id, { vm_state: 'active' });
    }
  });

  it('keeps every tag when writers race', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `race-${i}`);
    const results = await Promise.all(names.map((t) => alice.req('PUT', `/servers/${id}/tags/${t}`)));
    assert.deepEqual(
      results.map((r) => r.status),
      names.map(() => 201),
    );
    assert.deepEqual(await tags(), [...names].sort());
    assert.equal((await alice.delete(`/servers/${id}/tags`)).status, 204);
  });

  it('is gone with its server', async () => {
    const other = await alice.boot('short-lived');
    await alice.waitFor(other, ['ACTIVE']);
    assert.equal((await alice.put(`/servers/${other}/tags`, { tags: ['x'] })).status, 200);
    assert.equal((await alice.delete(`/servers/${other}`)).status, 204);
    await alice.waitGone(other);
    assert.equal((await alice.get(`/servers/${other}/tags`)).status, 404);
  });
});
