/** /os-volumes_boot: Nova's old name of /servers, answered as /servers (list, detail, show, create, update, actions, delete). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

describe('os-volumes_boot', () => {
  let cloud: Cloud;
  let alice: ApiClient;
  before(async () => {
    cloud = await startCloud();
    alice = new ApiClient(cloud.url, 'admin:admin', '2.1').as('alice:projA');
  });
  after(() => cloud.stop());

  it('creates, lists, shows, renames, acts on and deletes servers as /servers does', async () => {
    const made = await alice.post<{ server: { id: string; adminPass: string } }>('/os-volumes_boot', { server: { name: 'vb', imageRef: 'cirros', flavorRef: '1' } });
    assert.equal(made.status, 202, JSON.stringify(made.body));
    const id = made.body.server.id;
    assert.ok(made.body.server.adminPass);
    await alice.waitFor(id, ['ACTIVE']);

    const list = await alice.get<{ servers: { id: string; name: string }[] }>('/os-volumes_boot');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.servers.map((s) => [s.id, s.name]),
      [[id, 'vb']],
    );
    const detail = await alice.get<{ servers: { id: string; status: string }[] }>('/os-volumes_boot/detail');
    assert.deepEqual(
      detail.body.servers.map((s) => [s.id, s.status]),
      [[id, 'ACTIVE']],
    );
    const shown = await alice.get<{ server: Record<string, unknown> }>(`/os-volumes_boot/${id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, { server: await alice.server(id) }, 'the same body as GET /servers/{id}');

    const renamed = await alice.put<{ server: { name: string } }>(`/os-volumes_boot/${id}`, { server: { name: 'vb2' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.server.name, 'vb2');

    const stop = await alice.post(`/os-volumes_boot/${id}/action`, { 'os-stop': null });
    assert.equal(stop.status, 202, JSON.stringify(stop.body));
    await alice.waitFor(id, ['SHUTOFF']);
    const unknown = await alice.post<{ badRequest: { message: string } }>(`/os-volumes_boot/${id}/action`, { nonsense: null });
    assert.equal(unknown.status, 400);

    const missing = await alice.get<{ itemNotFound: { message: string } }>('/os-volumes_boot/00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.itemNotFound.message, 'Instance 00000000-0000-0000-0000-000000000000 could not be found.');

    assert.equal((await alice.delete(`/os-volumes_boot/${id}`)).status, 204);
    await alice.waitGone(id);
  });
});
