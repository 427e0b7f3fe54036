import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { HypervisorError } from '../../exception/virt.ts';
import { silentLogger } from '../../log.ts';
import type { DriverVolume } from '../driver.ts';
import { Guest } from './guest.ts';
import { instancePaths } from './paths.ts';
import { attachVolume, bootsFromVolume, detachVolume, guestVolume, guestVolumes, setSpawnVolumes, volumeArgs, volumeIds } from './volumes.ts';

const VOL = '0b5c43d4-7d4e-4bd1-9c1c-2a1f8d2b7e11';
const KEY = 'ab'.repeat(32);
const OPTS = { reconnectDelay: 7 };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-qemu-volumes-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function vol(id: string, data: Record<string, unknown>, device = '/dev/vdb', bootIndex: number | null = null): DriverVolume {
  return {
    volume_id: id,
    mount_device: device,
    disk_bus: 'virtio',
    device_type: 'disk',
    boot_index: bootIndex,
    tag: null,
    connection_info: { driver_volume_type: 'nbd', data: { host: '192.0.2.7', port: 10809, name: `volume-${id}`, format: 'raw', access_mode: 'rw', ...data }, serial: id },
  };
}

function guest(uuid: string): Guest {
  const p = instancePaths(root, uuid);
  fs.mkdirSync(p.dir, { recursive: true });
  return new Guest(p, { vcpus: 1, memoryMb: 128, diskGb: 1 }, silentLogger());
}

describe('qemu volumes', () => {
  it('reads NBD connection_info (TLS-PSK, read-only) and refuses others', () => {
    const v = guestVolume(vol(VOL, { psk_user: 'att', psk: KEY, access_mode: 'ro' }));
    assert.deepEqual([v.host, v.port, v.exportName, v.pskUser, v.readOnly], ['192.0.2.7', 10809, `volume-${VOL}`, 'att', true]);
    assert.throws(() => guestVolume({ ...vol(VOL, {}), connection_info: { driver_volume_type: 'iscsi', data: {} } }), HypervisorError);
    assert.throws(() => guestVolume(vol(VOL, { port: 0 })), HypervisorError);
    assert.throws(() => guestVolume(vol(VOL, { format: 'qcow2' })), HypervisorError);
    const ids = volumeIds(VOL);
    assert.equal(ids.serial, VOL.slice(0, 20), "the serial is the volume id's first 20 characters");
    assert.ok(ids.node.length <= 31 && ids.nbd.length <= 31, 'node names within QEMU limit');
  });

  it('a shut-off guest records attaches and detaches; its command line has the volumes (root first, the key in the instance dir)', async () => {
    const g = guest('11111111-2222-3333-4444-555555555555');
    const log = silentLogger();
    await attachVolume(g, vol(VOL, { psk_user: 'att', psk: KEY }), OPTS, log);
    await attachVolume(g, vol(VOL, { psk_user: 'att', psk: KEY }), OPTS, log); // already: fine
    await assert.rejects(attachVolume(g, vol('99999999-7d4e-4bd1-9c1c-2a1f8d2b7e11', {}), OPTS, log), HypervisorError, 'another volume at /dev/vdb');
    assert.equal(guestVolumes(g).length, 1);
    const args = volumeArgs(g, 'others', OPTS);
    assert.deepEqual(
      args.filter((_, i) => i % 2 === 0),
      ['-object', '-blockdev', '-blockdev', '-device'],
    );
    const [obj, nbd, raw, dev] = args.filter((_, i) => i % 2 === 1).map((a) => JSON.parse(a));
    assert.equal(obj['qom-type'], 'tls-creds-psk');
    assert.equal(obj.username, 'att');
    assert.equal(fs.readFileSync(path.join(obj.dir, 'keys.psk'), 'utf8'), `att:${KEY}\n`);
    assert.ok(obj.dir.startsWith(g.paths.dir));
    assert.deepEqual(nbd.server, { type: 'inet', host: '192.0.2.7', port: '10809' });
    assert.equal(nbd['tls-creds'], obj.id);
    assert.equal(nbd['reconnect-delay'], 7);
    assert.equal(raw.file, nbd['node-name']);
    assert.deepEqual([dev.driver, dev.drive, dev.serial, dev.bootindex], ['virtio-blk-pci', raw['node-name'], VOL.slice(0, 20), undefined]);
    assert.deepEqual(volumeArgs(g, 'root', OPTS), []);
    await detachVolume(g, vol(VOL, {}), { attempts: 1, timeoutMs: 10 }, log);
    await detachVolume(g, vol(VOL, {}), { attempts: 1, timeoutMs: 10 }, log);
    assert.deepEqual(guestVolumes(g), []);
    assert.equal(fs.existsSync(obj.dir), false, 'the key is removed');
  });

  it('spawn volumes: a root volume first and the boot disk, plain NBD without a key', () => {
    const g = guest('21111111-2222-3333-4444-555555555555');
    const other = '7b5c43d4-7d4e-4bd1-9c1c-2a1f8d2b7e11';
    setSpawnVolumes(g, [vol(other, { access_mode: 'ro' }, '/dev/vdb'), vol(VOL, {}, '/dev/vda', 0)]);
    assert.ok(bootsFromVolume(g));
    assert.deepEqual(
      guestVolumes(g).map((v) => v.volumeId),
      [VOL, other],
    );
    const rootArgs = volumeArgs(g, 'root', OPTS);
    assert.equal(rootArgs.length, 6, 'no -object without a key');
    assert.equal(JSON.parse(rootArgs[5] ?? '{}').bootindex, 0);
    const others = volumeArgs(g, 'others', OPTS).map((a) => (a.startsWith('{') ? JSON.parse(a) : a));
    assert.equal(others[1]['read-only'], true);
    setSpawnVolumes(g, []);
    assert.equal(fs.existsSync(g.paths.volumes), false);
  });
});
