import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dbTime } from '../../src/db/time.ts';
import { ImageRepository } from '../../src/image/db/images.ts';
import { recoverInterruptedUploads } from '../../src/image/recovery.ts';
import { FilesystemStore } from '../../src/image/store.ts';
import { silentLogger } from '../../src/log.ts';
import { ADMIN, ALICE, BOB, body, createImage, type ImageHarness, startImageApi, storeFiles, text } from './image-harness.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** Wait until the image has `status` (polling through the API). */
async function waitStatus(h: ImageHarness, id: string, status: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = body(await h.call('GET', `/v2/images/${id}`)).status as string;
    if (last === status) return;
    await sleep(20);
  }
  throw new Error(`image ${id} stayed ${last}, expected ${status}`);
}

/**
 * A raw HTTP/1.1 upload: the headers announce `contentLength` bytes, `sent`
 * go out, then the socket is ended (`end`) or destroyed (`destroy`) once
 * the image is seen in `saving`.
 */
async function interruptedUpload(h: ImageHarness, base: string, id: string, contentLength: number, sent: Buffer, how: 'destroy' | 'end'): Promise<void> {
  const { port } = new URL(base);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  socket.write(
    `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Auth-Token: ${ALICE}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${contentLength}\r\n\r\n`,
  );
  socket.write(sent);
  await waitStatus(h, id, 'saving');
  if (how === 'destroy') socket.destroy();
  else socket.end();
}

describe('image data: upload and download', () => {
  let h: ImageHarness;
  let base: string;
  before(async () => {
    h = await startImageApi({ glance_api: { image_size_cap: String(4 * 1024 * 1024) } });
    base = await h.listen();
  });
  after(async () => {
    await h.close();
  });
  const upload = (id: string, data: Buffer, opts: { token?: string; contentType?: string; headers?: Record<string, string> } = {}) =>
    h.call('PUT', `/v2/images/${id}/file`, { body: data, ...opts });

  it('round trip: size, md5 checksum and sha512 os_hash recorded; the same bytes come back with Content-MD5', async () => {
    const data = randomBytes(1024 * 1024 + 17);
    const img = await createImage(h, { name: 'data' });
    const id = img.id as string;
    const put = await upload(id, data);
    assert.equal(put.statusCode, 204, put.body);
    const shown = body(await h.call('GET', `/v2/images/${id}`));
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, data.length);
    assert.equal(shown.checksum, md5(data));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, sha512(data));
    const got = await h.call('GET', `/v2/images/${id}/file`);
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.equal(got.headers['content-md5'], md5(data));
    assert.equal(got.headers['content-length'], String(data.length));
    assert.ok(got.rawPayload.equals(data));
    // One file, named by the image id; no temporary files left.
    assert.deepEqual(storeFiles(h), [id]);
    // Another project cannot read a (default: shared) image it is not a member of.
    assert.equal((await h.call('GET', `/v2/images/${id}/file`, { token: BOB })).statusCode, 404);
  });

  it('is saving while the data streams in, active only when all of it arrived (real socket)', async () => {
    const data = randomBytes(256 * 1024);
    const id = (await createImage(h, { name: 'slow' })).id as string;
    const done = new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/v2/images/${id}/file`, {
        method: 'PUT',
        headers: { 'x-auth-token': ALICE, 'content-type': 'application/octet-stream', 'content-length': data.length },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(data.subarray(0, 1000));
      void waitStatus(h, id, 'saving').then(async () => {
        assert.equal((await h.call('GET', `/v2/images/${id}/file`)).statusCode, 204);
        req.end(data.subarray(1000));
      }, reject);
    });
    assert.equal(await done, 204);
    await waitStatus(h, id, 'active');
  });

  for (const how of ['destroy', 'end'] as const) {
    it(`an upload cut half way (client ${how}s the socket) leaves the image queued, with no data at all`, async () => {
      const id = (await createImage(h, { name: `cut-${how}` })).id as string;
      const before = storeFiles(h);
      await interruptedUpload(h, base, id, 200_000, randomBytes(100_000), how);
      await waitStatus(h, id, 'queued');
      const img = body(await h.call('GET', `/v2/images/${id}`));
      assert.equal(img.size, null);
      assert.equal(img.checksum, null);
      assert.equal(img.os_hash_value, null);
      assert.equal((await h.call('GET', `/v2/images/${id}/file`)).statusCode, 204);
      // No partial file anywhere in the store (the temporary file is gone too).
      await sleep(50);
      assert.deepEqual(storeFiles(h), before);
      assert.equal(fs.existsSync(path.join(h.storeDir, id)), false);
      // The image can be uploaded again.
      const data = randomBytes(5000);
      assert.equal((await upload(id, data)).statusCode, 204);
      assert.equal(body(await h.call('GET', `/v2/images/${id}`)).status, 'active');
      assert.ok((await h.call('GET', `/v2/images/${id}/file`)).rawPayload.equals(data));
    });
  }

  it('409 on a second upload; the first data stays', async () => {
    const first = randomBytes(100);
    const id = (await createImage(h, {})).id as string;
    assert.equal((await upload(id, first)).statusCode, 204);
    const again = await upload(id, randomBytes(100));
    assert.equal(again.statusCode, 409);
    assert.match(text(again), /Image status transition from active to saving is not allowed/);
    assert.ok((await h.call('GET', `/v2/images/${id}/file`)).rawPayload.equals(first));
  });

  it('413 beyond image_size_cap (announced or streamed); the image stays queued without data', async () => {
    const id = (await createImage(h, {})).id as string;
    const announced = await upload(id, randomBytes(4 * 1024 * 1024 + 1));
    assert.equal(announced.statusCode, 413);
    assert.match(text(announced), /The incoming image is too large/);
    assert.equal(body(await h.call('GET', `/v2/images/${id}`)).status, 'queued');
    // Chunked: no size up front, the cap is hit while streaming.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/v2/images/${id}/file`, { method: 'PUT', headers: { 'x-auth-token': ALICE, 'content-type': 'application/octet-stream' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
      const chunk = randomBytes(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 5 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
      setTimeout(() => reject(new Error('no answer')), 10_000).unref();
    });
    assert.equal(status, 413);
    await waitStatus(h, id, 'queued');
    assert.equal(fs.existsSync(path.join(h.storeDir, id)), false);
    assert.equal(storeFiles(h).filter((f) => f.endsWith('.part')).length, 0);
  });

  it('refuses bad uploads with 4xx: content type, missing formats, size mismatch, not owner', async () => {
    const id = (await createImage(h, {})).id as string;
    const json = await upload(id, Buffer.from('{}'), { contentType: 'application/json' });
    assert.equal(json.statusCode, 415);
    assert.match(text(json), /Invalid content type application\/json/);
    const noFormat = await h.call('POST', '/v2/images', { body: { name: 'nofmt' } });
    const nf = await upload(body(noFormat).id as string, Buffer.from('x'));
    assert.equal(nf.statusCode, 400);
    assert.match(text(nf), /Properties disk_format, container_format must be set prior to saving data/);
    const mismatch = await upload(id, Buffer.from('abc'), { headers: { 'x-openstack-image-size': '10' } });
    assert.equal(mismatch.statusCode, 400);
    assert.equal(body(await h.call('GET', `/v2/images/${id}`)).status, 'queued');
    const badSize = await upload(id, Buffer.from('abc'), { headers: { 'x-openstack-image-size': 'ten' } });
    assert.equal(badSize.statusCode, 400);
    const pub = (await createImage(h, { visibility: 'public' }, ADMIN)).id as string;
    const notOwner = await upload(pub, Buffer.from('x'), { token: BOB });
    assert.equal(notOwner.statusCode, 403);
    assert.match(text(notOwner), /Not allowed to upload image data for image/);
    assert.equal((await upload('nope', Buffer.from('x'))).statusCode, 404);
  });

  it('accepts an empty image; 204 for the data of a queued image', async () => {
    const id = (await createImage(h, {})).id as string;
    assert.equal((await h.call('GET', `/v2/images/${id}/file`)).statusCode, 204);
    assert.equal((await upload(id, Buffer.alloc(0))).statusCode, 204);
    const img = body(await h.call('GET', `/v2/images/${id}`));
    assert.equal(img.status, 'active');
    assert.equal(img.size, 0);
    assert.equal(img.checksum, md5(Buffer.alloc(0)));
  });

  it('deleting an image removes its data file; deleting it during an upload makes the upload 410 and leaves nothing', async () => {
    const id = (await createImage(h, {})).id as string;
    await upload(id, randomBytes(1000));
    assert.ok(fs.existsSync(path.join(h.storeDir, id)));
    assert.equal((await h.call('DELETE', `/v2/images/${id}`)).statusCode, 204);
    assert.equal(fs.existsSync(path.join(h.storeDir, id)), false);

    const racing = (await createImage(h, {})).id as string;
    const data = randomBytes(50_000);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/v2/images/${racing}/file`, {
        method: 'PUT',
        headers: { 'x-auth-token': ALICE, 'content-type': 'application/octet-stream', 'content-length': data.length },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(data.subarray(0, 100));
      void waitStatus(h, racing, 'saving').then(async () => {
        assert.equal((await h.call('DELETE', `/v2/images/${racing}`)).statusCode, 204);
        req.end(data.subarray(100));
      }, reject);
    });
    assert.equal(status, 410);
    assert.equal(fs.existsSync(path.join(h.storeDir, racing)), false);
    assert.equal(storeFiles(h).filter((f) => f.includes(racing)).length, 0);
  });

  it('after a crash: stale temporary files are removed and images left saving go back to queued; live uploads are kept', async () => {
    const images = new ImageRepository(h.db);
    const store = new FilesystemStore(h.storeDir);
    const dead = (await createImage(h, { name: 'crashed' })).id as string;
    const alive = (await createImage(h, { name: 'uploading' })).id as string;
    for (const id of [dead, alive]) assert.ok(await images.transition(id, 'queued', 'saving'));
    const stale = path.join(h.storeDir, `.${dead}.0123456789ab.part`);
    const fresh = path.join(h.storeDir, `.${alive}.ba9876543210.part`);
    fs.writeFileSync(stale, 'half');
    fs.writeFileSync(fresh, 'half');
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(stale, old, old);
    await images.k
      .updateTable('images')
      .set({ updated_at: dbTime(old) })
      .where('id', 'in', [dead, alive])
      .execute();
    const r = await recoverInterruptedUploads(images, store, { staleMs: 60_000, log: silentLogger() });
    assert.deepEqual(r, { restored: [dead], removed: [stale] });
    assert.equal(body(await h.call('GET', `/v2/images/${dead}`)).status, 'queued');
    assert.equal(body(await h.call('GET', `/v2/images/${alive}`)).status, 'saving');
    assert.equal(fs.existsSync(fresh), true);
    fs.rmSync(fresh);
    await images.restore(alive);
  });
});
