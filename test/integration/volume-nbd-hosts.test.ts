/**
 * The file volume driver across hosts: the volume host (the root namespace)
 * serves a volume's export on its address on a private network, and two
 * compute hosts (network namespaces on the bridge, no shared files) reach
 * it over TLS-PSK with the connection_info the driver gave: the first
 * writes, its attachment ends, the second reads the same bytes back; an
 * address other than the export's does not answer. Needs root, iproute2,
 * qemu-img, qemu-io and qemu-storage-daemon.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NbdConnection, VolumeDriver } from '../../src/volume/driver.ts';
import { createFileDriver, StorageDaemon } from '../../src/volume/file-driver/index.ts';
import { volumeToolsSkip } from '../support/backends.ts';
import { createPrivateNet, netnsSkip, type PrivateNet } from '../support/netns.ts';
import { freePort, onCleanup, tmpDir } from '../support/procs.ts';

const skip = volumeToolsSkip() ?? (await netnsSkip());
const VOLUME = '5b1f3c1e-2d4a-4c55-9a57-3f2c8f0e7a11';

describe('file volume driver: NBD exports reached from other hosts', { skip, timeout: 300_000 }, () => {
  let net: PrivateNet;
  let root: string;
  let d: VolumeDriver;
  let daemon: StorageDaemon;

  before(async () => {
    net = await createPrivateNet(2, 'nvv');
    root = tmpDir('nova-volume-hosts-');
    const volumesDir = path.join(root, 'volumes');
    const port = await freePort();
    daemon = new StorageDaemon({ dir: path.join(volumesDir, '.qsd'), binary: 'qemu-storage-daemon', address: net.hostIp, port, tls: true });
    onCleanup(`qemu-storage-daemon of ${volumesDir}`, () => daemon.stop());
    onCleanup(`directory ${root}`, () => fs.rmSync(root, { recursive: true, force: true }));
    d = createFileDriver({ volumesDir, format: 'qcow2', backendName: 'file', exportAddress: net.hostIp, exportPort: port, tls: true });
    await d.init();
    await d.createVolume(VOLUME, 1, { kind: 'empty' });
  });
  after(async () => {
    await d?.close();
    await daemon?.stop();
    await net?.close();
  });

  /** qemu-io on compute host `i` (a namespace) against the connection, with its own copy of the key. */
  const io = async (i: number, conn: NbdConnection, cmds: string[], host = conn.data.host) => {
    const keys = fs.mkdtempSync(path.join(root, `compute-${i}-psk-`));
    fs.writeFileSync(path.join(keys, 'keys.psk'), `${conn.data.psk_user}:${conn.data.psk}\n`, { mode: 0o600 });
    const opts = `driver=nbd,server.type=inet,server.host=${host},server.port=${conn.data.port},export=${conn.data.name},tls-creds=tls0`;
    const obj = `tls-creds-psk,id=tls0,endpoint=client,dir=${keys},username=${conn.data.psk_user}`;
    return net.exec(i, 'qemu-io', ['--object', obj, '--image-opts', opts, ...cmds.flatMap((c) => ['-c', c])], { allowFailure: true, timeoutMs: 60_000 });
  };

  it('a write from one compute host is read back from the other after the first attachment ends', async () => {
    const c1 = await d.exportVolume(VOLUME, 'attach-host-1', { host: 'compute-1', ip: net.nodes[0]?.ip ?? '' }, 'rw');
    assert.equal(c1.data.host, net.hostIp);
    const w = await io(0, c1, ['write -P 0xc3 16M 1M', 'read -P 0xc3 16M 1M']);
    assert.equal(w.code, 0, w.stdout + w.stderr);
    assert.doesNotMatch(w.stdout + w.stderr, /fail|error/i);
    await d.unexportVolume(VOLUME, 'attach-host-1');
    const gone = await io(0, c1, ['read 0 4k']);
    assert.ok(gone.code !== 0 || /fail|error/i.test(gone.stdout + gone.stderr), 'the export ended with its attachment');

    const c2 = await d.exportVolume(VOLUME, 'attach-host-2', { host: 'compute-2', ip: net.nodes[1]?.ip ?? '' }, 'rw');
    const r = await io(1, c2, ['read -P 0xc3 16M 1M', 'read -P 0 0 1M']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /fail|error|Pattern verification/i);
    const other = await io(1, c2, ['read 0 4k'], net.nodes[0]?.ip ?? '');
    assert.match(other.stdout + other.stderr, /fail|refused|error/i, 'only the export address serves');
    await d.unexportVolume(VOLUME, 'attach-host-2');
    await d.deleteVolume(VOLUME);
  });
});
