import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { VolumeDriverError, VolumeDriverInvalid } from '../../src/exception/volume-driver.ts';
import type { NbdConnection } from '../../src/volume/driver.ts';
import { createFileDriver, type FileDriverOptions, StorageDaemon } from '../../src/volume/file-driver/index.ts';
import { volumeToolsSkip } from '../support/backends.ts';
import { freePort, onCleanup, ROOT, tmpDir } from '../support/procs.ts';
import { runVolumeDriverSuite, type VolumeDriverHarness } from './volume-driver.case.ts';

/** A volumes directory under a new temporary root, its daemon stopped at the end of the file. */
async function world(format: 'qcow2' | 'raw', tls: boolean) {
  const root = tmpDir('nova-volume-driver-');
  const volumesDir = path.join(root, 'volumes');
  const scratch = path.join(root, 'scratch');
  fs.mkdirSync(scratch, { recursive: true });
  const opts: FileDriverOptions = { volumesDir, format, backendName: `file-${format}`, exportAddress: '127.0.0.1', exportPort: await freePort(), tls };
  const daemon = new StorageDaemon({ dir: path.join(volumesDir, '.qsd'), binary: 'qemu-storage-daemon', address: '127.0.0.1', port: opts.exportPort, tls });
  const done = onCleanup(`qemu-storage-daemon of ${volumesDir}`, () => daemon.stop());
  const cleanup = async () => {
    await daemon.stop();
    done();
    fs.rmSync(root, { recursive: true, force: true });
  };
  return { opts, daemon, scratch, cleanup };
}

function harness(format: 'qcow2' | 'raw', tls: boolean) {
  return async (): Promise<VolumeDriverHarness | string> => {
    const skip = volumeToolsSkip();
    if (skip) return skip;
    const w = await world(format, tls);
    return { backendName: w.opts.backendName, scratch: w.scratch, make: async () => createFileDriver(w.opts), crashExports: () => w.daemon.stop(), cleanup: w.cleanup };
  };
}

// Volumes as files under a temporary directory, served by a qemu-storage-daemon on 127.0.0.1.
runVolumeDriverSuite('file (qcow2, NBD with TLS-PSK)', harness('qcow2', true));
runVolumeDriverSuite('file (raw, plain NBD)', harness('raw', false));

describe('file volume driver: a changed export address', () => {
  const skip = volumeToolsSkip();
  let cleanup = async () => {};
  after(() => cleanup());

  it('restarts an idle daemon on the new port, and refuses new exports while the old one serves an attachment', { skip }, async () => {
    const w = await world('qcow2', true);
    cleanup = w.cleanup;
    const d1 = createFileDriver(w.opts);
    await d1.init();
    await d1.createVolume('vol-a', 1, { kind: 'empty' });
    await d1.createVolume('vol-b', 1, { kind: 'empty' });
    const c1 = await d1.exportVolume('vol-a', 'att-1', { host: 'h', ip: '127.0.0.1' }, 'rw');
    await d1.close();
    const moved = { ...w.opts, exportPort: await freePort() };
    const d2 = createFileDriver(moved);
    await d2.init();
    await assert.rejects(d2.exportVolume('vol-b', 'att-2', { host: 'h', ip: '127.0.0.1' }, 'rw'), (e: unknown) => {
      assert.ok(e instanceof VolumeDriverError);
      assert.match(e.message, new RegExp(`addr.port=${c1.data.port}.*not.*addr.port=${moved.exportPort}`));
      return true;
    });
    await d2.unexportVolume('vol-a', 'att-1');
    const c2 = await d2.exportVolume('vol-b', 'att-2', { host: 'h', ip: '127.0.0.1' }, 'rw');
    assert.equal(c2.data.port, moved.exportPort);
    const pid = w.daemon.pid();
    assert.ok(pid !== null);
    assert.match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), new RegExp(`addr.port=${moved.exportPort}`));
    await d2.unexportVolume('vol-b', 'att-2');
    await d2.close();
  });

  it('the daemon outlives the process that started it: a volume service that exported and exited leaves the export served', { skip }, async () => {
    const w = await world('qcow2', true);
    try {
      // A separate volume service process: creates a volume, writes a marker over its export, prints the connection and exits.
      const script = path.join(w.scratch, 'service.mts');
      fs.writeFileSync(
        script,
        [
          `import { createFileDriver } from ${JSON.stringify(path.join(ROOT, 'src/volume/file-driver/index.ts'))};`,
          `const d = createFileDriver(${JSON.stringify(w.opts)});`,
          'await d.init();',
          "await d.createVolume('vol-c', 1, { kind: 'empty' });",
          "const c = await d.exportVolume('vol-c', 'att-c', { host: 'h', ip: '127.0.0.1' }, 'rw');",
          'await d.close();',
          'process.stdout.write(JSON.stringify(c));',
        ].join('\n'),
      );
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      const conn: NbdConnection = JSON.parse(out);
      const pid = w.daemon.pid();
      assert.ok(pid !== null, 'the daemon runs after its starter exited');
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      assert.notEqual(ppid, process.pid, 'not our child');
      const keys = fs.mkdtempSync(path.join(w.scratch, 'psk-'));
      fs.writeFileSync(path.join(keys, 'keys.psk'), `${conn.data.psk_user}:${conn.data.psk}\n`);
      const io = (cmd: string) =>
        execFileSync('qemu-io', [
          '--object',
          `tls-creds-psk,id=tls0,endpoint=client,dir=${keys},username=${conn.data.psk_user}`,
          '--image-opts',
          `driver=nbd,server.type=inet,server.host=${conn.data.host},server.port=${conn.data.port},export=${conn.data.name},tls-creds=tls0`,
          '-c',
          cmd,
        ]).toString();
      assert.match(io('write -P 0x42 0 64k'), /wrote 65536/);
      const d = createFileDriver(w.opts);
      await d.init();
      assert.match(io('read -P 0x42 0 64k'), /read 65536/);
      await d.unexportVolume('vol-c', 'att-c');
      await d.deleteVolume('vol-c');
      await d.close();
    } finally {
      await w.cleanup();
    }
  });

  it('copies of a served volume run beside other exports, and its unexport meanwhile waits for them', { skip }, async () => {
    const w = await world('raw', true);
    const d = createFileDriver(w.opts);
    const host = { host: 'h', ip: '127.0.0.1' };
    try {
      await d.init();
      await d.createVolume('vol-d', 1, { kind: 'empty' });
      await d.createVolume('vol-e', 1, { kind: 'empty' });
      // Data to copy, so that the copies are still running when the unexport comes.
      execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x21 0 256M', path.join(w.opts.volumesDir, 'volume-vol-d.raw')], { stdio: 'ignore' });
      await d.exportVolume('vol-d', 'att-d', host, 'rw');
      const copies = [1, 2, 3].map((n) => d.copyVolumeToFile('vol-d', path.join(w.scratch, `copy-${n}.raw`)));
      const others = [d.exportVolume('vol-e', 'att-e', host, 'rw'), d.unexportVolume('vol-d', 'att-d')];
      await Promise.all([...copies, ...others]);
      for (const n of [1, 2, 3]) assert.equal(fs.statSync(path.join(w.scratch, `copy-${n}.raw`)).size, 1024 ** 3);
      await d.unexportVolume('vol-e', 'att-e');
      await d.close();
    } finally {
      await w.cleanup();
    }
  });

  it('ids name files: a path in an id is refused', { skip }, async () => {
    const w = await world('raw', false);
    const d = createFileDriver(w.opts);
    try {
      await d.init();
      await assert.rejects(d.createVolume('../escape', 1, { kind: 'empty' }), VolumeDriverInvalid);
      await assert.rejects(d.createSnapshot('vol', 'a/b'), VolumeDriverInvalid);
      assert.deepEqual(fs.readdirSync(w.opts.volumesDir), []);
    } finally {
      await w.cleanup();
    }
  });
});
