import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Binary, Daemon, run, tmpDir, until, writeConf } from '../support/procs.ts';

const NOVA_IMAGE = 'nova-image' as Binary;
const TOKEN = 'alice:projA';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * nova-image as its own process: `nova-manage db sync` creates its tables,
 * the daemon serves the Glance v2 API on its port, survives an upload cut
 * half way (the image goes back to queued, no data), and stops cleanly.
 */
describe('nova-image as a separate process', () => {
  const dir = tmpDir('nova-image-e2e-');
  const store = path.join(dir, 'state', 'images');
  let conf = '';
  let base = '';
  let daemon: Daemon | null = null;
  const api = async (method: string, url: string, init: { body?: unknown; raw?: Buffer; token?: string | null; contentType?: string } = {}) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.token !== null) headers['x-auth-token'] = init.token ?? TOKEN;
    let payload: string | Buffer | undefined;
    if (init.raw) {
      payload = init.raw;
      headers['content-type'] = 'application/octet-stream';
    } else if (init.body !== undefined) {
      payload = JSON.stringify(init.body);
      headers['content-type'] = init.contentType ?? 'application/json';
    }
    return fetch(`${base}${url}`, { method, headers, body: payload });
  };
  const status = async (id: string) => ((await (await api('GET', `/v2/images/${id}`)).json()) as { status: string }).status;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    conf = writeConf(path.join(dir, 'nova.conf'), {
      DEFAULT: { state_path: path.join(dir, 'state'), transport_url: 'memory://' },
      database: { connection: `sqlite:///${path.join(dir, 'state', 'nova.sqlite')}` },
      glance_api: { bind_host: '127.0.0.1', bind_port: port },
      api: { auth_strategy: 'noauth2' },
    });
  });
  after(async () => {
    await daemon?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start before db sync, with one clear line', async () => {
    const r = await run(NOVA_IMAGE, ['--config-file', conf], {}, 60_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nova-image: error: image schema is at version 0, this code needs \d+: run nova-manage db sync/);
  });

  it('starts after nova-manage db sync and answers the version document', async () => {
    const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    daemon = new Daemon('nova-image', NOVA_IMAGE, ['--config-file', conf]);
    await daemon.waitFor(/Image API listening/);
    const res = await api('GET', '/', { token: null });
    assert.equal(res.status, 300);
    const doc = (await res.json()) as { versions: { id: string; status: string }[] };
    assert.ok(doc.versions.some((v) => v.id === 'v2.17' && v.status === 'CURRENT'));
  });

  it('creates, uploads, lists and downloads an image over HTTP', async () => {
    const data = randomBytes(200_000);
    const created = await api('POST', '/v2/images', { body: { name: 'e2e', disk_format: 'qcow2', container_format: 'bare' } });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    assert.equal((await api('PUT', `/v2/images/${id}/file`, { raw: data })).status, 204);
    const listed = (await (await api('GET', '/v2/images?name=e2e')).json()) as { images: { id: string; status: string; checksum: string }[] };
    assert.deepEqual(
      listed.images.map((i) => [i.id, i.status, i.checksum]),
      [[id, 'active', createHash('md5').update(data).digest('hex')]],
    );
    const file = await api('GET', `/v2/images/${id}/file`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-md5'), createHash('md5').update(data).digest('hex'));
    assert.ok(Buffer.from(await file.arrayBuffer()).equals(data));
    assert.ok(fs.existsSync(path.join(store, id)));
    assert.equal((await api('GET', '/v2/images', { token: null })).status, 401);
  });

  it('an upload cut half way leaves the image queued with no data, and the daemon keeps serving', async () => {
    const created = await api('POST', '/v2/images', { body: { name: 'cut', disk_format: 'raw', container_format: 'bare' } });
    const { id } = (await created.json()) as { id: string };
    const { port } = new URL(base);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => {});
    socket.write(`PUT /v2/images/${id}/file HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n`);
    socket.write(randomBytes(500_000));
    await until(async () => (await status(id)) === 'saving', 10_000, 'image saving');
    socket.destroy();
    await until(async () => (await status(id)) === 'queued', 10_000, 'image back to queued');
    assert.equal((await api('GET', `/v2/images/${id}/file`)).status, 204);
    await sleep(100);
    assert.deepEqual(
      fs.readdirSync(store).filter((f) => f.includes(id)),
      [],
    );
    assert.equal((await api('PUT', `/v2/images/${id}/file`, { raw: Buffer.from('retry') })).status, 204);
    assert.equal(await status(id), 'active');
  });

  it('stops cleanly on SIGTERM', async () => {
    const r = await daemon?.stop();
    daemon = null;
    assert.equal(r?.code, 0);
  });
});
