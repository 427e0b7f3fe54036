/**
 * The volume API over the real file driver (qcow2 files, NBD exports by
 * qemu-storage-daemon): a volume from an image keeps its bytes, an
 * attachment's connection_info opens the export with its TLS-PSK key (a
 * compute host's view, with qemu-io), writes through it reach a snapshot
 * and a volume made from it, the upload to an image carries them, deleting
 * the attachment ends the export, and a restart of the service adopts
 * what exists.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/conf/loader.ts';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { NoAuth2 } from '../../src/http/auth.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { syncVolumeSchema } from '../../src/volume/db/migrate.ts';
import { createFileDriver, fileDriverOptions } from '../../src/volume/file-driver/index.ts';
import { buildVolumeApi, type VolumeApi } from '../../src/volume/service.ts';
import { volumeToolsSkip } from '../support/backends.ts';
import { freePort } from '../support/procs.ts';
import { type Json, MemoryImages } from './volume-harness.ts';

const V = '3.44';

function tool(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr}${stdout}`)) : resolve(`${stdout}${stderr}`)));
  });
}

/** qemu-io against the export a connection_info names, as a compute host would open it. */
async function nbdIo(dir: string, info: Json, cmds: readonly string[]): Promise<string> {
  const d = info.data;
  const args: string[] = [];
  let opts = `driver=nbd,server.type=inet,server.host=${d.host},server.port=${d.port},export=${d.name}`;
  if (d.psk_user !== undefined) {
    const keys = fs.mkdtempSync(path.join(dir, 'psk-'));
    fs.writeFileSync(path.join(keys, 'keys.psk'), `${d.psk_user}:${d.psk}\n`, { mode: 0o600 });
    args.push('--object', `tls-creds-psk,id=tls0,endpoint=client,dir=${keys},username=${d.psk_user}`);
    opts += ',tls-creds=tls0';
  }
  const out = await tool('qemu-io', [...args, '--image-opts', opts, ...cmds.flatMap((c) => ['-c', c])]);
  assert.doesNotMatch(out, /failed|error|Pattern verification/i, out);
  return out;
}

describe('volume API over the file driver', () => {
  let skip: string | undefined;
  let dir = '';
  let db: Db;
  let api: VolumeApi;
  const images = new MemoryImages();
  let start: () => Promise<VolumeApi>;
  before(async () => {
    skip = volumeToolsSkip();
    if (skip) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-volume-file-'));
    const conf = loadConfig({
      overrides: { DEFAULT: { state_path: dir, host: 'vhost', my_ip: '127.0.0.1' }, volume: { export_address: '127.0.0.1', export_port: String(await freePort()) } },
    });
    db = await openDatabase(`sqlite:///${dir}/nova.sqlite`);
    await syncVolumeSchema(db);
    start = async () => {
      const a = buildVolumeApi({
        conf,
        db,
        auth: new NoAuth2(),
        log: process.env.DEBUG_VOL ? createLogger({ name: 'v', host: 'h' }) : silentLogger(),
        driver: createFileDriver(fileDriverOptions(conf, 'file')),
        images,
      });
      await a.start();
      await a.app.ready();
      return a;
    };
    api = await start();
  });
  after(async () => {
    if (skip) return;
    await api?.app.close();
    // The exports outlive the service by design (attached guests keep their disks): end them here.
    for (const a of (await api?.store.list('volume_attachments')) ?? []) await api.driver.unexportVolume(a.volume_id, a.id).catch(() => {});
    await api?.stop();
    await db?.close();
    const pid = path.join(dir, 'volumes', '.qsd', 'qsd.pid');
    if (fs.existsSync(pid)) {
      try {
        process.kill(Number(fs.readFileSync(pid, 'utf8').trim()), 'SIGTERM');
      } catch {}
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await api.app.inject({
      method,
      url,
      headers: { 'x-auth-token': 'alice:projA', 'openstack-api-version': `volume ${V}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Json) : {} };
  };
  const made = async (body: Json): Promise<Json> => {
    const r = await call('POST', '/v3/volumes', { volume: body });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await api.worker.idle();
    const v = (await call('GET', `/v3/volumes/${r.body.volume.id}`)).body.volume;
    assert.equal(v.status, 'available', JSON.stringify(v));
    return v;
  };

  it('image → volume → attachment (NBD with TLS-PSK) → snapshot → volume → image, and a restart', async (t) => {
    if (skip) return t.skip(skip);
    const raw = path.join(dir, 'img.raw');
    await tool('qemu-img', ['create', '-q', '-f', 'raw', raw, '4M']);
    await tool('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 0 64k', raw]);
    const image = images.add(fs.readFileSync(raw), { name: 'patterned', disk_format: 'raw' });
    const v = await made({ size: 1, imageRef: image.id });
    assert.equal(v.bootable, 'true');

    const a = await call('POST', '/v3/attachments', { attachment: { volume_uuid: v.id, instance_uuid: 'srv-1', connector: { host: 'compute-1', ip: '127.0.0.1' } } });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const info = a.body.attachment.connection_info;
    assert.equal(info.driver_volume_type, 'nbd');
    assert.equal(info.data.host, '127.0.0.1');
    assert.equal(info.data.volume_id, v.id);
    await nbdIo(dir, info, ['read -P 0xab 0 64k', 'write -P 0xcd 1M 64k']);
    assert.equal((await call('POST', `/v3/attachments/${a.body.attachment.id}/action`, { 'os-complete': null })).status, 204);
    assert.equal((await call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'in-use');

    const s = await call('POST', '/v3/snapshots', { snapshot: { volume_id: v.id, force: true } });
    await api.worker.idle();
    assert.equal((await call('GET', `/v3/snapshots/${s.body.snapshot.id}`)).body.snapshot.status, 'available');
    const fromSnap = await made({ snapshot_id: s.body.snapshot.id, size: 2 });
    assert.equal(fromSnap.size, 2);

    // A restart: the attachment's export is adopted and still serves the guest.
    await api.app.close();
    await api.stop();
    api = await start();
    await nbdIo(dir, info, ['read -P 0xcd 1M 64k']);

    const del = await call('DELETE', `/v3/attachments/${a.body.attachment.id}`);
    assert.equal(del.status, 200);
    assert.equal((await call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'available');
    await assert.rejects(nbdIo(dir, info, ['read 0 4k']));

    const up = await call('POST', `/v3/volumes/${fromSnap.id}/action`, { 'os-volume_upload_image': { image_name: 'back', disk_format: 'raw' } });
    assert.equal(up.status, 202, JSON.stringify(up.body));
    await api.worker.idle();
    const stored = images.images.get(up.body['os-volume_upload_image'].image_id)?.data;
    assert.ok(stored);
    assert.equal(images.images.get(up.body['os-volume_upload_image'].image_id)?.info.size, 2 * 1024 ** 3);
    assert.ok(stored.subarray(0, 64 * 1024).every((b) => b === 0xab));
    assert.ok(stored.subarray(1024 * 1024, 1024 * 1024 + 64 * 1024).every((b) => b === 0xcd));

    for (const id of [fromSnap.id]) assert.equal((await call('DELETE', `/v3/volumes/${id}`)).status, 202);
    assert.equal((await call('DELETE', `/v3/snapshots/${s.body.snapshot.id}`)).status, 202);
    await api.worker.idle();
    assert.equal((await call('DELETE', `/v3/volumes/${v.id}`)).status, 202);
    await api.worker.idle();
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'volumes')).filter((f) => /^(volume|snapshot)-/.test(f)),
      [],
    );
  });
});
