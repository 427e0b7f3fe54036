import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Server = Record<string, unknown>;

const boot = async (api: ApiClient, name: string, extra: Record<string, unknown> = {}) => {
  const t0 = Date.now();
  const r = await api.post<{ server: Server }>('/servers', { server: { name, imageRef: 'cirros', flavorRef: '1', ...(api.version ? { networks: 'none' } : {}), ...extra } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return { server: r.body.server, ms: Date.now() - t0 };
};

/** Count the API's settling reads (InstanceRepository.statesOf, which only settling uses). */
function countLooks(cloud: Cloud): () => number {
  const repo = cloud.db.instances;
  const statesOf = repo.statesOf.bind(repo);
  let n = 0;
  repo.statesOf = (uuids) => {
    n++;
    return statesOf(uuids);
  };
  return () => n;
}

/**
 * [api] settle_ms: nova-api answers a create, delete or server action once
 * it has completed, when it does within the window, so that the client's
 * first look (GET right after the 202/204) sees the result; the answers
 * themselves stay Nova's. A build slower than the window is answered when
 * the window ends, and settle_ms = 0 answers at once.
 */
describe('[api] settle_ms: the first GET after a create, delete or action sees its result', () => {
  let cloud: Cloud;
  let api: ApiClient;

  before(async () => {
    // A generous window: the fake builds in milliseconds, the window only bounds a slow (loaded) machine.
    cloud = await startCloud({ overrides: { api: { settle_ms: '10000' } } });
    api = new ApiClient(cloud.url, 'admin:admin', '2.47');
  });
  after(() => cloud?.stop());

  it('create: the 202 body is Nova’s (no status), the first GET shows ACTIVE', async () => {
    const { server } = await boot(api, 'settled');
    assert.deepEqual(Object.keys(server).sort(), ['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    const s = await api.server(String(server.id));
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:task_state'], null);
  });

  it('stop: the first GET shows SHUTOFF with no task; start: ACTIVE', async () => {
    const { server } = await boot(api, 'stopped');
    const id = String(server.id);
    const r = await api.post(`/servers/${id}/action`, { 'os-stop': null });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, {});
    const s = await api.server(id);
    assert.equal(s.status, 'SHUTOFF');
    assert.equal(s['OS-EXT-STS:task_state'], null);
    assert.equal((await api.post(`/servers/${id}/action`, { 'os-start': null })).status, 202);
    assert.equal((await api.server(id)).status, 'ACTIVE');
  });

  it('reboot and pause answer once done; a refused action answers its 409 at once', async () => {
    const { server } = await boot(api, 'rebooted');
    const id = String(server.id);
    assert.equal((await api.post(`/servers/${id}/action`, { reboot: { type: 'HARD' } })).status, 202);
    const s = await api.server(id);
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:task_state'], null);
    assert.equal((await api.post(`/servers/${id}/action`, { pause: null })).status, 202);
    assert.equal((await api.server(id)).status, 'PAUSED');
    assert.equal((await api.post(`/servers/${id}/action`, { pause: null })).status, 409);
  });

  it('delete: 204, and the first GET is 404', async () => {
    const { server } = await boot(api, 'deleted');
    const id = String(server.id);
    const r = await api.delete(`/servers/${id}`);
    assert.equal(r.status, 204);
    assert.equal((await api.get(`/servers/${id}`)).status, 404);
  });

  it('a multi-create answers once every instance is built', async () => {
    const name = 'multi';
    await boot(api, name, { min_count: 3, max_count: 3 });
    const list = await api.get<{ servers: Server[] }>(`/servers/detail?name=^${name}`);
    assert.equal(list.body.servers.length, 3);
    assert.deepEqual(
      list.body.servers.map((s) => s.status),
      ['ACTIVE', 'ACTIVE', 'ACTIVE'],
    );
  });

  it('a build that fails answers once the server is in ERROR', async () => {
    const { server } = await boot(api, 'failed', { metadata: { fake_spawn_fail: 'true' } });
    assert.equal((await api.server(String(server.id))).status, 'ERROR');
  });
});

describe('[api] settle_ms: a build slower than the window, and 0', () => {
  let slow: Cloud;
  let off: Cloud;

  before(async () => {
    slow = await startCloud({ overrides: { api: { settle_ms: '300' }, fake: { spawn_delay_ms: '3000' } } });
    off = await startCloud({ overrides: { api: { settle_ms: '0' }, fake: { spawn_delay_ms: '3000' } } });
  });
  after(async () => {
    await slow?.stop();
    await off?.stop();
  });

  it('a build slower than settle_ms is answered when the window ends, still BUILD', async () => {
    const api = new ApiClient(slow.url);
    const looks = countLooks(slow);
    const { server, ms } = await boot(api, 'slow');
    assert.ok(looks() > 1, 'the API polled the instance');
    assert.ok(ms >= 300, `answered after ${ms} ms, before the window ended`);
    assert.equal((await api.server(String(server.id))).status, 'BUILD');
  });

  it('settle_ms = 0 answers at once, without a look at the database: the first GET shows BUILD', async () => {
    const api = new ApiClient(off.url);
    const looks = countLooks(off);
    const { server } = await boot(api, 'unsettled');
    const s = await api.server(String(server.id));
    assert.equal(s.status, 'BUILD');
    assert.notEqual(s['OS-EXT-STS:task_state'], null);
    assert.equal((await api.delete(`/servers/${server.id}`)).status, 204);
    assert.equal(looks(), 0);
  });
});

describe('[api] settle_ms with a deferred delete', () => {
  let cloud: Cloud;
  before(async () => {
    cloud = await startCloud({ overrides: { api: { settle_ms: '10000' }, DEFAULT: { reclaim_instance_interval: '3600' } } });
  });
  after(() => cloud?.stop());

  it('the first GET after a delete shows SOFT_DELETED with no task; after restore ACTIVE; after forceDelete 404', async () => {
    const api = new ApiClient(cloud.url);
    const { server } = await boot(api, 'deferred');
    const id = String(server.id);
    assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    const s = await api.server(id);
    assert.equal(s.status, 'SOFT_DELETED');
    assert.equal(s['OS-EXT-STS:task_state'], null);
    assert.equal((await api.post(`/servers/${id}/action`, { restore: null })).status, 202);
    assert.equal((await api.server(id)).status, 'ACTIVE');
    assert.equal((await api.post(`/servers/${id}/action`, { forceDelete: null })).status, 202);
    assert.equal((await api.get(`/servers/${id}`)).status, 404);
  });
});
