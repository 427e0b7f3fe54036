/**
 * Volumes through the Compute API on real guests: nova-api and a
 * nova-compute with the qemu driver in this process (startCloud), the
 * volume service beside it over the file driver (its qemu-storage-daemon on
 * 127.0.0.1, TLS-PSK per attachment). POST os-volume_attachments to a
 * running guest: the volume goes in-use and the guest reports a new disk
 * with the volume's serial; DELETE: available again and the disk gone from
 * the guest. A server booted from a volume made from the guest image
 * (block_device_mapping_v2, no imageRef) reaches its boot banner, and the
 * volume is available again after the server's delete. Needs QEMU and
 * qemu-storage-daemon.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/conf/loader.ts';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { NoAuth2 } from '../../src/http/auth.ts';
import { silentLogger } from '../../src/log.ts';
import { syncVolumeSchema } from '../../src/volume/db/migrate.ts';
import { createFileDriver, fileDriverOptions, StorageDaemon } from '../../src/volume/file-driver/index.ts';
import { buildVolumeApi, type VolumeApi } from '../../src/volume/service.ts';
import { type Json, MemoryImages } from '../functional/volume-harness.ts';
import { BANNER, ensureGuestImage, IMAGE_ID } from '../integration/qemu-support.ts';
import { qemuSkip, volumeToolsSkip } from '../support/backends.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { freePort, onCleanup, until } from '../support/procs.ts';

const skip = (await qemuSkip()) ?? volumeToolsSkip();
const ALICE = 'alice:projA';

describe('volumes on real guests through the API (qemu driver, file volume driver)', { skip, timeout: 600_000 }, () => {
  let dir = '';
  let db: Db;
  let vol: VolumeApi;
  let cloud: Cloud;
  let api: ApiClient;
  const images = new MemoryImages();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-e2e-volumes-'));
    onCleanup(`directory ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
    const exportPort = await freePort();
    const conf = loadConfig({
      overrides: { DEFAULT: { state_path: dir, host: 'vhost', my_ip: '127.0.0.1' }, volume: { export_address: '127.0.0.1', export_port: String(exportPort) } },
    });
    const daemon = new StorageDaemon({ dir: path.join(conf.volume.volumes_dir, '.qsd'), binary: 'qemu-storage-daemon', address: '127.0.0.1', port: exportPort, tls: true });
    onCleanup('the volume service and its qemu-storage-daemon', async () => {
      await vol?.app.close();
      await vol?.stop();
      await daemon.stop();
    });
    db = await openDatabase(`sqlite:///${dir}/volume.sqlite`);
    await syncVolumeSchema(db);
    vol = buildVolumeApi({ conf, db, auth: new NoAuth2(), log: silentLogger(), driver: createFileDriver(fileDriverOptions(conf, 'file')), images });
    await vol.start();
    await vol.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (vol.app.server.address() as AddressInfo).port;
    const imageDir = path.join(dir, 'images');
    fs.mkdirSync(imageDir);
    fs.copyFileSync(ensureGuestImage(), path.join(imageDir, `${IMAGE_ID}.qcow2`));
    cloud = await startCloud({
      computes: ['kvm-v'],
      overrides: {
        DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: '0', my_ip: '127.0.0.1' },
        qemu: { local_image_dir: imageDir, shutdown_timeout: '10' },
        cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s` },
      },
    });
    api = new ApiClient(cloud.url, ALICE, '2.79');
  });
  after(async () => {
    await cloud?.stop();
    await vol?.app.close();
  });

  const volumeCall = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await vol.app.inject({
      method,
      url,
      headers: { 'x-auth-token': ALICE, 'openstack-api-version': 'volume 3.27', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Json) : {} };
  };
  const volumeStatus = async (id: string) => String((await volumeCall('GET', `/v3/volumes/${id}`)).body.volume?.status);
  const volumeIs = (id: string, want: string, timeoutMs = 60_000) => until(async () => (await volumeStatus(id)) === want, timeoutMs, `volume ${id} ${want}`, 100);
  const newVolume = async (extra: Json = {}): Promise<string> => {
    const r = await volumeCall('POST', '/v3/volumes', { volume: { size: 1, ...extra } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.volume.id);
    await volumeIs(id, 'available', 120_000);
    return id;
  };
  const consoleText = async (id: string) => String((await api.post<{ output: string }>(`/servers/${id}/action`, { 'os-getConsoleOutput': {} })).body.output ?? '');
  const consoleHas = (id: string, what: string, pattern: RegExp, timeoutMs = 180_000) => until(async () => pattern.test(await consoleText(id)), timeoutMs, what, 500);
  const gone = async (id: string) => {
    await api.delete(`/servers/${id}`);
    await api.waitGone(id, 120_000);
  };

  it('attaches a volume to a running guest (it sees the disk) and detaches it (the disk goes), the volume in-use and available again', async (t) => {
    const volumeId = await newVolume({ name: 'data' });
    const id = await api.boot('vol-guest', { imageRef: IMAGE_ID, flavorRef: '42', networks: 'none' });
    try {
      await api.waitFor(id, ['ACTIVE'], 180_000);
      await consoleHas(id, 'the boot banner', new RegExp(BANNER));
      const t0 = Date.now();
      const r = await api.post<Json>(`/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const serial = volumeId.slice(0, 20);
      await consoleHas(id, 'the disk in the guest', new RegExp(`NOVA-GUEST-DISK-ADDED vd[b-z] size=1073741824 serial=${serial}`), 120_000);
      t.diagnostic(`POST os-volume_attachments → the guest reports the disk: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await volumeIs(volumeId, 'in-use');
      const list = await api.get<Json>(`/servers/${id}/os-volume_attachments`);
      assert.deepEqual(
        list.body.volumeAttachments.map((a: Json) => a.volumeId),
        [volumeId],
      );
      const d = await api.delete(`/servers/${id}/os-volume_attachments/${volumeId}`);
      assert.equal(d.status, 202, JSON.stringify(d.body));
      await consoleHas(id, 'the disk gone from the guest', /NOVA-GUEST-DISK-REMOVED vd[b-z]/, 120_000);
      await volumeIs(volumeId, 'available');
    } finally {
      await gone(id);
    }
  });

  it('boots a server from a volume made from the guest image; the volume is available again after the delete', async (t) => {
    const image = images.add(fs.readFileSync(ensureGuestImage()), { name: 'nova-guest', disk_format: 'qcow2' });
    const volumeId = await newVolume({ name: 'root', imageRef: image.id });
    const t0 = Date.now();
    const r = await api.post<Json>('/servers', {
      server: {
        name: 'bfv-guest',
        flavorRef: '42',
        networks: 'none',
        block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: volumeId, boot_index: 0 }],
      },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.server.id);
    try {
      const s = await api.waitFor(id, ['ACTIVE'], 180_000);
      assert.deepEqual(s['os-extended-volumes:volumes_attached'], [{ id: volumeId, delete_on_termination: false }]);
      await consoleHas(id, 'the boot banner from the volume', /NOVA-GUEST-BOOT-OK[^\n]*disks=vda /, 240_000);
      t.diagnostic(`POST /servers → banner from the volume: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await volumeIs(volumeId, 'in-use');
    } finally {
      await gone(id);
    }
    await volumeIs(volumeId, 'available');
  });
});
