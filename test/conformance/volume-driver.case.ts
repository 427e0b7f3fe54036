import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Invalid, NotFound } from '../../src/exception/base.ts';
import { VolumeImageUnacceptable } from '../../src/exception/volume-driver.ts';
import type { Connector, NbdConnection, VolumeDriver } from '../../src/volume/driver.ts';

/** One volume driver under test, on one volume host. */
export interface VolumeDriverHarness {
  /** A new driver on the same storage, as the volume service builds it at each (re)start; the suite calls init. */
  make(): Promise<VolumeDriver>;
  /** The backend name the driver was given. */
  readonly backendName: string;
  /** A scratch directory for images and copies. */
  readonly scratch: string;
  /** Kill whatever serves the exports (a crash of the volume host's export server), for the re-creation case; absent: skipped. */
  crashExports?(): Promise<void>;
  cleanup(): Promise<void>;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const CONNECTOR: Connector = { host: 'compute-1', ip: '127.0.0.1', platform: 'x86_64', os_type: 'linux' };

function tool(cmd: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000, maxBuffer: 16 * MiB }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

async function mustTool(cmd: string, args: readonly string[]): Promise<string> {
  const r = await tool(cmd, args);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.out}`);
  return r.out;
}

/** A disk image of `sizeBytes` in `format` with `pattern` written at `offset` (64 KiB). */
async function makeImage(file: string, format: 'qcow2' | 'raw' | 'vmdk', sizeBytes: number, pattern?: { byte: number; offset: number }): Promise<string> {
  await mustTool('qemu-img', ['create', '-q', '-f', format, file, String(sizeBytes)]);
  if (pattern) await mustTool('qemu-io', ['-f', format, '-c', `write -P ${pattern.byte} ${pattern.offset} 64k`, file]);
  return file;
}

/** True when `len` bytes at `offset` of the raw file are all `byte`. */
function rawHas(file: string, offset: number, byte: number, len = 64 * 1024): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, offset);
    return buf.every((b) => b === byte);
  } finally {
    fs.closeSync(fd);
  }
}

/** Run qemu-io commands on an NBD connection (with its TLS-PSK when it has one); exit code and output. */
async function nbdIo(
  conn: NbdConnection,
  scratch: string,
  cmds: readonly string[],
  o: { key?: { user: string; psk: string }; readOnly?: boolean } = {},
): Promise<{ code: number; out: string }> {
  const key = o.key;
  const d = conn.data;
  const user = key?.user ?? d.psk_user;
  const psk = key?.psk ?? d.psk;
  const args: string[] = [];
  let opts = `driver=nbd,server.type=inet,server.host=${d.host},server.port=${d.port},export=${d.name}`;
  if (user !== undefined && psk !== undefined) {
    const dir = fs.mkdtempSync(path.join(scratch, 'client-psk-'));
    fs.writeFileSync(path.join(dir, 'keys.psk'), `${user}:${psk}\n`, { mode: 0o600 });
    args.push('--object', `tls-creds-psk,id=tls0,endpoint=client,dir=${dir},username=${user}`);
    opts += ',tls-creds=tls0';
  }
  const r = await tool('qemu-io', [...args, ...(o.readOnly ? ['-r'] : []), '--image-opts', opts, ...cmds.flatMap((c) => ['-c', c])]);
  return { code: /failed|error|Pattern verification/i.test(r.out) ? Math.max(r.code, 1) : r.code, out: r.out };
}

/** qemu-io commands that must succeed; opened read-only for a read-only attachment, as a compute host would. */
async function nbdOk(conn: NbdConnection, scratch: string, cmds: readonly string[]): Promise<string> {
  const r = await nbdIo(conn, scratch, cmds, { readOnly: conn.data.access_mode === 'ro' });
  assert.equal(r.code, 0, `qemu-io over nbd://${conn.data.host}:${conn.data.port}/${conn.data.name}: ${r.out}`);
  return r.out;
}

/** The export's size as qemu-io's `length` says it. */
async function nbdLength(conn: NbdConnection, scratch: string): Promise<string> {
  return (await nbdOk(conn, scratch, ['length'])).trim();
}

/**
 * The VolumeDriver contract (src/volume/driver.ts) as the volume service
 * relies on it: creation from every source keeping the data, sizes,
 * idempotent deletes, snapshots independent of their volume, NBD exports a
 * client reads and writes (one per volume, several attachments, the
 * attachment's own key), adoption after a restart, copies and stats. The
 * cases run in order on one driver and share its volumes.
 */
export function runVolumeDriverSuite(name: string, setup: () => Promise<VolumeDriverHarness | string>): void {
  describe(`VolumeDriver contract: ${name}`, { timeout: 600_000 }, () => {
    let h: VolumeDriverHarness;
    let skip: string | undefined;
    let d: VolumeDriver;
    const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const V_EMPTY = id(1);
    const V_IMAGE = id(2);
    const V_SNAP = id(3);
    const V_CLONE = id(4);
    const V_RAWIMG = id(5);
    const S1 = id(101);
    const S2 = id(102);
    const A1 = id(201);
    const A2 = id(202);
    const A3 = id(203);
    const A4 = id(204);

    before(async () => {
      const r = await setup();
      if (typeof r === 'string') skip = r;
      else {
        h = r;
        d = await h.make();
        await d.init();
      }
    });
    after(async () => {
      if (!skip) await h.cleanup();
    });
    const test = (title: string, fn: (t: TestContext) => Promise<void>) => it(title, async (t) => (skip ? t.skip(skip) : fn(t)));
    const copyOut = async (volumeId: string, n: string) => {
      const f = path.join(h.scratch, `${n}.raw`);
      await d.copyVolumeToFile(volumeId, f);
      return f;
    };

    test('stats: the backend name and sane capacities', async () => {
      const s = await d.stats();
      assert.equal(s.volume_backend_name, h.backendName);
      assert.ok(s.total_capacity_gb > 0, `total ${s.total_capacity_gb}`);
      assert.ok(s.free_capacity_gb >= 0 && s.free_capacity_gb <= s.total_capacity_gb, `free ${s.free_capacity_gb} of ${s.total_capacity_gb}`);
    });

    test('an empty volume has its size, reads zeros; its create again is idempotent, with another size refused', async () => {
      await d.createVolume(V_EMPTY, 1, { kind: 'empty' });
      assert.equal(await d.volumeSize(V_EMPTY), GiB);
      await d.createVolume(V_EMPTY, 1, { kind: 'empty' });
      await assert.rejects(d.createVolume(V_EMPTY, 2, { kind: 'empty' }));
      const f = await copyOut(V_EMPTY, 'empty');
      assert.equal(fs.statSync(f).size, GiB);
      assert.ok(rawHas(f, 0, 0) && rawHas(f, GiB - 64 * 1024, 0));
    });

    test('from a qcow2, a raw and a vmdk image: the image data, grown to the volume size', async () => {
      const qcow = await makeImage(path.join(h.scratch, 'img.qcow2'), 'qcow2', 64 * MiB, { byte: 0x5a, offset: 0 });
      await d.createVolume(V_IMAGE, 1, { kind: 'image', path: qcow, diskFormat: 'qcow2' });
      assert.equal(await d.volumeSize(V_IMAGE), GiB);
      assert.ok(rawHas(await copyOut(V_IMAGE, 'image'), 0, 0x5a), 'the marker');
      const raw = await makeImage(path.join(h.scratch, 'img.raw'), 'raw', 32 * MiB, { byte: 0x3c, offset: MiB });
      await d.createVolume(V_RAWIMG, 2, { kind: 'image', path: raw, diskFormat: 'raw' });
      assert.equal(await d.volumeSize(V_RAWIMG), 2 * GiB);
      assert.ok(rawHas(await copyOut(V_RAWIMG, 'rawimg'), MiB, 0x3c), 'the marker');
      const vmdk = await makeImage(path.join(h.scratch, 'img.vmdk'), 'vmdk', 16 * MiB, { byte: 0x1e, offset: 4 * MiB });
      await d.createVolume(id(7), 1, { kind: 'image', path: vmdk, diskFormat: 'vmdk' });
      assert.ok(rawHas(await copyOut(id(7), 'vmdk'), 4 * MiB, 0x1e), 'the marker');
      await d.deleteVolume(id(7));
    });

    test('an image larger than the volume, of a format that is no disk, or reading other files is unacceptable (and leaves no volume)', async () => {
      const big = await makeImage(path.join(h.scratch, 'big.qcow2'), 'qcow2', 2 * GiB);
      const e = await d.createVolume(id(9), 1, { kind: 'image', path: big, diskFormat: 'qcow2' }).then(
        () => assert.fail('created'),
        (x: unknown) => x,
      );
      assert.ok(e instanceof VolumeImageUnacceptable, String(e));
      assert.match(e.message, /Image virtual size is 2GB and doesn't fit in a volume of size 1GB\./);
      await assert.rejects(d.createVolume(id(9), 1, { kind: 'image', path: big, diskFormat: 'aki' }), VolumeImageUnacceptable);
      // Images that make qemu-img read other files of the volume host: a backing file, an external data file, a VMDK descriptor's extents.
      const secret = path.join(h.scratch, 'host-secret.raw');
      fs.writeFileSync(secret, Buffer.alloc(MiB, 0x66));
      const backed = path.join(h.scratch, 'backed.qcow2');
      await mustTool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', secret, '-F', 'raw', backed]);
      const external = path.join(h.scratch, 'external.qcow2');
      await mustTool('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${path.join(h.scratch, 'external-data.raw')}`, external, '16M']);
      const flat = path.join(h.scratch, 'flat.vmdk');
      await mustTool('qemu-img', ['create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicFlat', flat, '16M']);
      for (const [file, diskFormat] of [
        [backed, 'qcow2'],
        [external, 'qcow2'],
        [flat, 'vmdk'],
      ] as const) {
        await assert.rejects(d.createVolume(id(9), 1, { kind: 'image', path: file, diskFormat }), VolumeImageUnacceptable, file);
      }
      await assert.rejects(d.volumeSize(id(9)), NotFound);
    });

    test('a snapshot keeps the data; a volume from it has it at its own size, also after the snapshot is deleted', async () => {
      await d.createSnapshot(V_IMAGE, S1);
      await d.createSnapshot(V_IMAGE, S1);
      await d.createVolume(V_SNAP, 2, { kind: 'snapshot', snapshotId: S1 });
      assert.equal(await d.volumeSize(V_SNAP), 2 * GiB);
      await d.deleteSnapshot(V_IMAGE, S1);
      await d.deleteSnapshot(V_IMAGE, S1);
      assert.ok(rawHas(await copyOut(V_SNAP, 'snap'), 0, 0x5a), 'the marker');
      await assert.rejects(d.createVolume(id(8), 2, { kind: 'snapshot', snapshotId: S1 }), NotFound);
      await assert.rejects(d.createVolume(id(8), 1, { kind: 'volume', volumeId: V_SNAP }), Invalid, 'smaller than its source');
    });

    test('a clone has the data of its volume; extend grows it and keeps the data, never shrinks', async () => {
      await d.createVolume(V_CLONE, 1, { kind: 'volume', volumeId: V_IMAGE });
      await d.extendVolume(V_CLONE, 3);
      assert.equal(await d.volumeSize(V_CLONE), 3 * GiB);
      await d.extendVolume(V_CLONE, 3);
      await assert.rejects(d.extendVolume(V_CLONE, 2), Invalid);
      const f = await copyOut(V_CLONE, 'clone');
      assert.equal(fs.statSync(f).size, 3 * GiB);
      assert.ok(rawHas(f, 0, 0x5a), 'the marker');
      await assert.rejects(d.extendVolume(id(8), 3), NotFound);
    });

    let c1: NbdConnection;
    let c2: NbdConnection;
    test('an export is reached over NBD: the data read, a write kept', async () => {
      c1 = await d.exportVolume(V_IMAGE, A1, CONNECTOR, 'rw');
      assert.equal(c1.driver_volume_type, 'nbd');
      assert.equal(c1.data.volume_id, V_IMAGE);
      assert.equal(c1.data.format, 'raw');
      assert.equal(c1.data.access_mode, 'rw');
      assert.equal(await nbdLength(c1, h.scratch), '1 GiB');
      await nbdOk(c1, h.scratch, ['read -P 0x5a 0 64k', 'write -P 0x77 1M 64k', 'read -P 0x77 1M 64k']);
      const again = await d.exportVolume(V_IMAGE, A1, CONNECTOR, 'rw');
      assert.deepEqual(again, c1, 'export of an exported attachment: the same connection');
      if (c1.data.psk !== undefined) {
        const wrong = await nbdIo(c1, h.scratch, ['read 0 4k'], { key: { user: A1, psk: 'ab'.repeat(32) } });
        assert.notEqual(wrong.code, 0, 'a wrong key is refused');
      }
    });

    test('a second attachment is served too; the unexport of one keeps the other', async () => {
      c2 = await d.exportVolume(V_IMAGE, A2, { ...CONNECTOR, host: 'compute-2' }, 'rw');
      assert.equal(c2.data.name, c1.data.name, 'one export per volume');
      await nbdOk(c2, h.scratch, ['read -P 0x77 1M 64k']);
      await d.unexportVolume(V_IMAGE, A1);
      await d.unexportVolume(V_IMAGE, A1);
      await nbdOk(c2, h.scratch, ['read -P 0x5a 0 64k', 'write -P 0x78 2M 64k']);
      if (c1.data.psk !== undefined) assert.notEqual((await nbdIo(c1, h.scratch, ['read 0 4k'])).code, 0, "the unexported attachment's key is dropped");
    });

    test('an exported volume is copied as it is now (snapshot, copy to a file), cannot be deleted, is extended or refuses to be', async () => {
      await d.createSnapshot(V_IMAGE, S2);
      await d.createVolume(id(6), 1, { kind: 'snapshot', snapshotId: S2 });
      const f = await copyOut(id(6), 'exported-snap');
      assert.ok(rawHas(f, 0, 0x5a) && rawHas(f, MiB, 0x77) && rawHas(f, 2 * MiB, 0x78), 'the writes over NBD');
      const g = await copyOut(V_IMAGE, 'exported');
      assert.equal(fs.statSync(g).size, GiB);
      assert.ok(rawHas(g, 2 * MiB, 0x78));
      await assert.rejects(d.deleteVolume(V_IMAGE), Invalid);
      // Extending an attached volume: either the export shows the new size, or the driver refuses (400) and the volume keeps its size.
      const grown = await d.extendVolume(V_IMAGE, 2).then(
        () => true,
        (e: unknown) => {
          assert.ok(e instanceof Invalid, String(e));
          return false;
        },
      );
      assert.equal(await nbdLength(c2, h.scratch), grown ? '2 GiB' : '1 GiB');
      assert.equal(await d.volumeSize(V_IMAGE), grown ? 2 * GiB : GiB);
      await d.deleteSnapshot(V_IMAGE, S2);
      await d.deleteVolume(id(6));
    });

    test("a read-only attachment's export reads and refuses writes", async () => {
      const ro = await d.exportVolume(V_RAWIMG, A4, CONNECTOR, 'ro');
      assert.equal(ro.data.access_mode, 'ro');
      await nbdOk(ro, h.scratch, ['read -P 0x3c 1M 64k']);
      assert.notEqual((await nbdIo(ro, h.scratch, ['write -P 0x11 1M 4k'])).code, 0, 'a writable open is refused by the export');
      await d.unexportVolume(V_RAWIMG, A4);
      assert.ok(rawHas(await copyOut(V_RAWIMG, 'rawimg-ro'), MiB, 0x3c), 'the data unchanged');
    });

    test('a restarted driver finds the export still served, and its unexport ends it', async () => {
      await d.close();
      d = await h.make();
      await d.init();
      await nbdOk(c2, h.scratch, ['read -P 0x78 2M 64k']);
      await d.unexportVolume(V_IMAGE, A2);
      assert.notEqual((await nbdIo(c2, h.scratch, ['read 0 4k'])).code, 0, 'no export after the last unexport');
    });

    test('exports the export server lost are served again at the next start', async (t: TestContext) => {
      if (!h.crashExports) return t.skip('no export server to crash');
      const c3 = await d.exportVolume(V_CLONE, A3, CONNECTOR, 'rw');
      await nbdOk(c3, h.scratch, ['read -P 0x5a 0 64k']);
      await d.close();
      await h.crashExports();
      assert.notEqual((await nbdIo(c3, h.scratch, ['read 0 4k'])).code, 0, 'gone with the server');
      d = await h.make();
      await d.init();
      assert.equal(await nbdLength(c3, h.scratch), '3 GiB');
      await nbdOk(c3, h.scratch, ['read -P 0x5a 0 64k']);
      await d.unexportVolume(V_CLONE, A3);
    });

    test('delete is idempotent; a deleted volume is gone', async () => {
      for (const v of [V_EMPTY, V_IMAGE, V_SNAP, V_CLONE, V_RAWIMG]) {
        await d.deleteVolume(v);
        await d.deleteVolume(v);
        await assert.rejects(d.volumeSize(v), NotFound);
      }
      await d.unexportVolume(V_IMAGE, A1);
      await d.close();
    });
  });
}
