import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BANNER, ensureGuestImage } from '../integration/qemu-support.ts';
import { mysqlSkip, qemuSkip, rabbitSkip } from '../support/backends.ts';
import { ApiClient } from '../support/cloud.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { Daemon, freePort, run, tmpDir, until, writeConf } from '../support/procs.ts';

/**
 * Booting from the image service: nova-api checks imageRef with nova-image,
 * nova-compute downloads the image over its REST API into the per-host
 * cache and boots a real guest from an overlay on it.
 */
describe('real guests booted from the image service', () => {
  let skip: string | undefined;
  let cluster: Cluster;
  let image: Daemon;
  let api: ApiClient;
  let imageId = '';
  const dir = tmpDir('nova-glance-');

  before(async () => {
    skip = (await qemuSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    const port = await freePort();
    const glance = `http://127.0.0.1:${port}`;
    const conf = writeConf(path.join(dir, 'glance.conf'), {
      DEFAULT: { state_path: path.join(dir, 'glance'), transport_url: 'memory://' },
      database: { connection: `sqlite:///${path.join(dir, 'glance', 'glance.sqlite')}` },
      glance_api: { bind_host: '127.0.0.1', bind_port: port },
      api: { auth_strategy: 'noauth2' },
    });
    const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    image = new Daemon('image', 'nova-image', ['--config-file', conf]);
    await image.waitFor(/listening/, 60_000);
    const headers = { 'X-Auth-Token': 'admin:admin', 'Content-Type': 'application/json' };
    const created = await fetch(`${glance}/v2/images`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'nova-guest', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' }),
    });
    imageId = ((await created.json()) as { id: string }).id;
    const data = fs.readFileSync(ensureGuestImage());
    const put = await fetch(`${glance}/v2/images/${imageId}/file`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': 'admin:admin', 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(put.status, 204);
    cluster = await startCluster({
      computes: [{ host: 'kvm-g', conf: { DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: 0 }, qemu: { shutdown_timeout: 10 } } }],
      conf: { glance: { api_servers: glance } },
    });
    api = new ApiClient(cluster.url);
  });
  after(async () => {
    // Either may be missing when the setup failed half way; procs.ts stops any daemon left.
    await cluster?.stop();
    await image?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('checks imageRef with the image service', async (t) => {
    if (skip) return t.skip(skip);
    const r = await api.post<{ badRequest: { message: string } }>('/servers', { server: { name: 'nope', imageRef: '00000000-0000-4000-8000-000000000000', flavorRef: '42' } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Image 00000000-0000-4000-8000-000000000000 could not be found.');
  });

  it('downloads the image once into the host cache and boots guests from it', async (t) => {
    if (skip) return t.skip(skip);
    const ids = [await api.boot('from-glance-1', { imageRef: imageId, flavorRef: '42' }), await api.boot('from-glance-2', { imageRef: imageId, flavorRef: '42' })];
    for (const id of ids) {
      await api.waitFor(id, ['ACTIVE'], 120_000);
      await until(
        async () => ((await api.post<{ output: string }>(`/servers/${id}/action`, { 'os-getConsoleOutput': {} })).body.output ?? '').includes(BANNER),
        90_000,
        `banner of ${id}`,
        500,
      );
    }
    const base = path.join(cluster.dir, 'kvm-g', 'instances', '_base');
    const cached = fs.readdirSync(base).filter((f) => f.startsWith(imageId));
    assert.ok(cached.length >= 1, `the image is cached under _base: ${fs.readdirSync(base).join(', ')}`);
    const downloads = image.output.filter((l) => l.includes(`/v2/images/${imageId}/file`) && l.includes('"method":"GET"'));
    assert.equal(downloads.length, 1, 'one download for two guests');
    for (const id of ids) await api.delete(`/servers/${id}`);
    for (const id of ids) await api.waitGone(id, 60_000);
  });
});
