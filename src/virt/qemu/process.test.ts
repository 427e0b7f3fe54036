import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { adminContext } from '../../context.ts';
import { ImageNotFound } from '../../exception/resources.ts';
import { LocalImageSource, sniffFormat } from './images.ts';
import { instancePaths } from './paths.ts';
import { qemuHasSpice, qemuVersion } from './probe.ts';
import { isQemuOf, startQemu } from './process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-qemu-proc-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const UUID = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

/** A stand-in "QEMU": a shell script. */
function fakeBinary(name: string, body: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return f;
}

describe('starting QEMU', () => {
  const paths = instancePaths(path.join(dir, 'instances'), UUID);
  fs.mkdirSync(paths.dir, { recursive: true });

  it('reports a QEMU that exits at once, with the end of its log', async () => {
    const bin = fakeBinary('qemu-fails', 'echo "qemu-system-x86_64: -accel kvm: failed to initialize kvm: No such file or directory" >&2; exit 1');
    await assert.rejects(startQemu(bin, ['-uuid', UUID], paths, 10_000), /exited during start \(exit status 1\):[\s\S]*failed to initialize kvm/);
  });

  it('never hangs: a QEMU that does not open its QMP socket is killed after the start timeout', async () => {
    const bin = fakeBinary('qemu-hangs', 'exec sleep 60');
    const t0 = Date.now();
    await assert.rejects(startQemu(bin, ['-uuid', UUID], paths, 500), /did not answer on .*qmp.sock within 500 ms and was killed/);
    assert.ok(Date.now() - t0 < 5000);
  });

  it('fails cleanly when the binary does not exist', async () => {
    await assert.rejects(startQemu(path.join(dir, 'no-such-qemu'), [], paths, 1000), /cannot start .*no-such-qemu: .*ENOENT/);
  });

  it('sees only live processes of the guest', () => {
    assert.equal(isQemuOf(process.pid, UUID), false);
  });
});

describe('probing the QEMU binary', () => {
  it('reads the version and sees SPICE in `-spice help` (which exits 1)', async () => {
    const spice = fakeBinary(
      'qemu-spice',
      'case "$1" in --version) echo "QEMU emulator version 7.2.22 (Debian)";; -spice) printf "spice options:\\n  addr=<str>\\n  unix=<bool (on/off)>\\n"; exit 1;; esac',
    );
    assert.equal(await qemuVersion(spice), 7_002_022);
    assert.equal(await qemuHasSpice(spice), true);
    const plain = fakeBinary('qemu-plain', 'echo "qemu-system-x86_64: -spice help: There is no option group \'spice\'" >&2; exit 1');
    assert.equal(await qemuHasSpice(plain), false);
    await assert.rejects(qemuVersion(plain), /cannot run .*qemu-plain --version/);
  });
});

describe('LocalImageSource', () => {
  const images = path.join(dir, 'images');
  fs.mkdirSync(images);
  fs.writeFileSync(path.join(images, 'plain'), Buffer.from('QFI\xfb rest of a qcow2 header', 'latin1'));
  fs.writeFileSync(path.join(images, 'disk.raw'), 'raw bytes');
  const src = new LocalImageSource(images);
  const ctx = adminContext();

  it('finds X, X.qcow2 or X.raw and tells the format', async () => {
    assert.equal((await src.show(ctx, 'plain')).disk_format, 'qcow2');
    const raw = await src.show(ctx, 'disk');
    assert.equal(raw.disk_format, 'raw');
    assert.equal(raw.size, 9);
    assert.equal(sniffFormat(path.join(images, 'disk.raw')), 'raw');
    await assert.rejects(src.show(ctx, 'nope'), ImageNotFound);
    await assert.rejects(src.show(ctx, '../etc'), /invalid image id/);
  });

  it('copies an image to its destination with an md5 checksum, atomically', async () => {
    const dest = path.join(dir, 'copy');
    const r = await src.fetch(ctx, 'disk', dest);
    assert.deepEqual(r, { size: 9, checksum: 'a36cb478703f4ea8cb83217513030feb' });
    assert.equal(fs.readFileSync(dest, 'utf8'), 'raw bytes');
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.startsWith('copy.part')),
      [],
    );
  });
});
