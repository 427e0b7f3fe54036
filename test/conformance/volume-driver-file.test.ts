import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createFileDriver, StorageDaemon } from '../../src/volume/file-driver/index.ts';
import { REQUIRE } from '../support/backends.ts';
import { freePort, onCleanup, tmpDir } from '../support/procs.ts';
import { runVolumeDriverSuite } from './volume-driver.case.ts';

function missingTool(): string | undefined {
  return ['qemu-img', 'qemu-io', 'qemu-storage-daemon'].find((cmd) => {
    try {
      execFileSync(cmd, ['--version'], { stdio: 'ignore', timeout: 15_000 });
      return false;
    } catch {
      return true;
    }
  });
}

// Volumes as qcow2 files under a temporary directory, served by a qemu-storage-daemon on 127.0.0.1 with TLS-PSK.
runVolumeDriverSuite('file (qcow2, qemu-storage-daemon)', async () => {
  const missing = missingTool();
  if (missing) {
    const reason = `SKIPPED: ${missing} not installed (Debian qemu-utils, qemu-system-common)`;
    if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
    process.stderr.write(`# ${reason}\n`);
    return reason;
  }
  const root = tmpDir('nova-volume-driver-');
  const volumesDir = path.join(root, 'volumes');
  const scratch = path.join(root, 'scratch');
  fs.mkdirSync(scratch, { recursive: true });
  const port = await freePort();
  const opts = { volumesDir, format: 'qcow2', backendName: 'file-test', exportAddress: '127.0.0.1', exportPort: port, tls: true } as const;
  const daemon = new StorageDaemon({ dir: path.join(volumesDir, '.qsd'), binary: 'qemu-storage-daemon', address: '127.0.0.1', port, tls: true });
  const done = onCleanup(`qemu-storage-daemon of ${volumesDir}`, () => daemon.stop());
  return {
    backendName: 'file-test',
    scratch,
    make: async () => createFileDriver(opts),
    crashExports: () => daemon.stop(),
    cleanup: async () => {
      await daemon.stop();
      done();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
});
