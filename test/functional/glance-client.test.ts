import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GlanceConnectionFailed, ImageApiClient, ImageUnacceptable } from '../../src/clients/glance.ts';
import { GlanceImageSource } from '../../src/clients/glance-image-source.ts';
import { NoAuthTokenProvider } from '../../src/clients/tokens.ts';
import { adminContext, type RequestContext } from '../../src/context.ts';
import { ImageNotFound } from '../../src/exception/resources.ts';
import { ALICE, createImage, type ImageHarness, startImageApi } from './image-harness.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const caller = (user: string, project: string): RequestContext => ({ request_id: 'req-test', user_id: user, project_id: project, roles: ['member'], is_admin: false });

/** A TCP port nobody listens on. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * The compute-side client against a running in-process image service:
 * GlanceImageSource.show/fetch (verified, atomic download) and
 * ImageApiClient (nova-api's imageRef lookups).
 */
describe('image client (GlanceImageSource, ImageApiClient)', () => {
  let h: ImageHarness;
  let url: string;
  let dest: string;
  let source: GlanceImageSource;
  const data = randomBytes(300_000);
  let id: string;
  const ctx = adminContext();

  before(async () => {
    h = await startImageApi();
    url = await h.listen();
    dest = fs.mkdtempSync(path.join(h.dir, 'cache-'));
    source = new GlanceImageSource({ servers: [url], retries: 0 }, new NoAuthTokenProvider());
    id = (await createImage(h, { name: 'cirros', disk_format: 'qcow2', hw_disk_bus: 'virtio', min_ram: 64 })).id as string;
    const put = await h.call('PUT', `/v2/images/${id}/file`, { body: data });
    assert.equal(put.statusCode, 204);
  });
  after(async () => {
    await h.close();
  });

  it('show maps the image to an ImageRecord (custom properties as strings); unknown → ImageNotFound', async () => {
    const rec = await source.show(ctx, id);
    assert.deepEqual(rec, {
      id,
      name: 'cirros',
      status: 'active',
      disk_format: 'qcow2',
      container_format: 'bare',
      size: data.length,
      checksum: md5(data),
      properties: { hw_disk_bus: 'virtio' },
    });
    await assert.rejects(source.show(ctx, 'f0000000-0000-4000-8000-000000000000'), ImageNotFound);
  });

  it('fetch writes the image beside dest atomically and returns size and checksum', async () => {
    const file = path.join(dest, 'base', id);
    const r = await source.fetch(ctx, id, file);
    assert.deepEqual(r, { size: data.length, checksum: md5(data) });
    assert.ok(fs.readFileSync(file).equals(data));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), [id]);
  });

  it('a corrupted download is an error and leaves no file (after its retries)', async () => {
    const stored = path.join(h.storeDir, id);
    const original = fs.readFileSync(stored);
    const corrupted = Buffer.from(original);
    corrupted[1000] = (corrupted[1000] ?? 0) ^ 0xff;
    fs.writeFileSync(stored, corrupted);
    try {
      const file = path.join(dest, 'corrupt', id);
      const retrying = new GlanceImageSource({ servers: [url], retries: 2, retryDelayMs: 10 }, new NoAuthTokenProvider());
      await assert.rejects(
        retrying.fetch(ctx, id, file),
        (e: unknown) => e instanceof ImageUnacceptable && /corrupted download \(md5 [0-9a-f]+ != [0-9a-f]+, sha512 mismatch\)/.test(e.message),
      );
      assert.equal(fs.existsSync(file), false);
      assert.deepEqual(fs.readdirSync(path.dirname(file)), []);
      // A truncated file: the size check catches it too.
      fs.writeFileSync(stored, original.subarray(0, 1000));
      await assert.rejects(source.fetch(ctx, id, file), /size 1000 != 300000/);
      assert.deepEqual(fs.readdirSync(path.dirname(file)), []);
    } finally {
      fs.writeFileSync(stored, original);
    }
  });

  it('a dest that already exists is replaced whole; a queued image is unacceptable', async () => {
    const file = path.join(dest, 'replace');
    fs.writeFileSync(file, 'old');
    await source.fetch(ctx, id, file);
    assert.ok(fs.readFileSync(file).equals(data));
    const queued = (await createImage(h, { name: 'empty' })).id as string;
    await assert.rejects(source.fetch(ctx, queued, path.join(dest, 'q')), (e: unknown) => e instanceof ImageUnacceptable && /no associated data/.test(e.message));
    assert.equal(fs.existsSync(path.join(dest, 'q')), false);
  });

  it('uses the first api_server that answers; none answering is GlanceConnectionFailed', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const failover = new GlanceImageSource({ servers: [dead, url], retries: 0 }, new NoAuthTokenProvider());
    const file = path.join(dest, 'failover');
    await failover.fetch(ctx, id, file);
    assert.ok(fs.readFileSync(file).equals(data));
    const none = new GlanceImageSource({ servers: [dead], retries: 1, retryDelayMs: 10 }, new NoAuthTokenProvider());
    await assert.rejects(none.show(ctx, id), (e: unknown) => e instanceof GlanceConnectionFailed && /ECONNREFUSED/.test(e.message));
  });

  it("ImageApiClient acting as the caller sees only the caller's images (nova-api imageRef checks)", async () => {
    const api = new ImageApiClient({ servers: [url], retries: 0 }, new NoAuthTokenProvider({ actAsCaller: true }));
    const alice = caller('alice', 'projA');
    const bob = caller('bob', 'projB');
    assert.equal((await api.show(alice, id)).id, id);
    await assert.rejects(api.show(bob, id), ImageNotFound);
    assert.deepEqual(
      (await api.listByName(alice, 'cirros')).map((i) => i.id),
      [id],
    );
    assert.deepEqual(await api.listByName(bob, 'cirros'), []);
    const colon = await createImage(h, { name: 'debian:12' }, ALICE);
    assert.deepEqual(
      (await api.listByName(alice, 'debian:12')).map((i) => i.id),
      [colon.id],
    );
  });

  it('refuses downloads when signature verification is asked for (not supported)', async () => {
    const verifying = new GlanceImageSource({ servers: [url], retries: 0, verifySignatures: true }, new NoAuthTokenProvider());
    await assert.rejects(verifying.fetch(ctx, id, path.join(dest, 'sig')), /signature verification is not supported/);
  });
});
