/**
 * Helpers for the QEMU driver integration tests: the test guest image
 * (built once by scripts/build-test-guest.sh and cached, see
 * test/support/guest-image.ts), instances,
 * a QEMU driver on a private instances_path, and probes that look at QEMU
 * from outside the driver (the second QMP monitor, /proc, the serial socket).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/conf/loader.ts';
import { silentLogger } from '../../src/log.ts';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import { QemuDriver } from '../../src/virt/qemu/driver.ts';
import { instancePaths } from '../../src/virt/qemu/paths.ts';
import { QmpClient } from '../../src/virt/qemu/qmp.ts';
import { REQUIRE } from '../support/backends.ts';
import { ensureGuestImage } from '../support/guest-image.ts';
import { instanceFixture } from '../support/instances.ts';
import { killQemusUnder, onCleanup } from '../support/procs.ts';

export { ensureGuestImage, GUEST_DIR } from '../support/guest-image.ts';
export const IMAGE_ID = 'nova-guest';
export const BANNER = 'NOVA-GUEST-BOOT-OK';

/**
 * A private world for one test file: instances_path and an image directory
 * holding the guest. Whatever QEMU still runs in it when the test file ends
 * (a test that failed before destroying its guest) is killed then.
 */
export function makeWorld(): { root: string; instancesPath: string; imageDir: string } {
  const disk = ensureGuestImage();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nq-'));
  onCleanup(`qemu guests under ${root}`, async () => {
    await killQemusUnder(root);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const imageDir = path.join(root, 'images');
  fs.mkdirSync(imageDir);
  fs.symlinkSync(disk, path.join(imageDir, `${IMAGE_ID}.qcow2`));
  return { root, instancesPath: path.join(root, 'instances'), imageDir };
}

/** A QEMU driver as nova-compute would load it, on the test's directories (its host: `defaults.host`, else qemu-test). */
export function makeDriver(world: { root: string; instancesPath: string; imageDir: string }, qemu: Record<string, string> = {}, defaults: Record<string, string> = {}): QemuDriver {
  const conf = loadConfig({
    env: {},
    overrides: {
      DEFAULT: { state_path: world.root, instances_path: world.instancesPath, ...defaults },
      qemu: { local_image_dir: world.imageDir, shutdown_timeout: '60', ...qemu },
    },
  });
  const driver = new QemuDriver({ conf, host: defaults.host ?? 'qemu-test', log: silentLogger() });
  onCleanup('a qemu driver', () => driver.cleanupHost()); // its QMP connections
  return driver;
}

/** An instance of a small flavor (128 MiB, 1 vCPU, 1 GiB root disk) spawning on the test host from the test guest image. */
export function makeInstance(uuid: string, name: string): InstanceDTO {
  return instanceFixture({ uuid, display_name: name, host: 'qemu-test', image_ref: IMAGE_ID });
}

/** pids of live processes whose command line names `uuid` (what "no qemu process left" checks). */
export function pidsOf(uuid: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(uuid)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** QEMU's own run state, asked on the instance's second QMP monitor (not the driver's connection). */
export async function qemuStatus(instancesPath: string, uuid: string): Promise<string> {
  const qmp = await QmpClient.connect(instancePaths(instancesPath, uuid).monitor, 10_000);
  try {
    return await qmp.queryStatus();
  } finally {
    qmp.close();
  }
}

/** Poll until `check` returns a value (not undefined); throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** How many times the guest printed its boot banner. */
export function banners(consoleText: string): number {
  return consoleText.split('\n').filter((l) => l.includes(BANNER)).length;
}

/** Type a shell command on the guest's serial socket and wait for `expect` in what comes back. */
export function serialCommand(socketPath: string | { host: string; port: number }, command: string, expect: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = typeof socketPath === 'string' ? net.createConnection({ path: socketPath }) : net.createConnection(socketPath);
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no '${expect}' on the serial console within ${timeoutMs} ms; got: ${JSON.stringify(got.slice(-300))}`));
    }, timeoutMs);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('data', (d) => {
      got += d.toString('utf8');
      if (got.includes(expect)) {
        clearTimeout(timer);
        s.destroy();
        resolve(got);
      }
    });
    s.on('connect', () => {
      s.write('\n');
      setTimeout(() => s.write(`${command}\n`), 500);
    });
  });
}

/** Whether the installed QEMU lists SPICE options (asked here, independently of the driver's probe). */
export function qemuHasSpiceHere(): boolean {
  const r = spawnSync('qemu-system-x86_64', ['-spice', 'help'], { encoding: 'utf8', timeout: 15_000 });
  return /spice options/i.test(`${r.stdout}${r.stderr}`);
}

/** The tools a config drive of `format` is built with, with their Debian packages. */
const CONFIG_DRIVE_TOOLS: Record<'iso9660' | 'vfat', { cmd: string; args: string[]; pkg: string }[]> = {
  iso9660: [{ cmd: 'genisoimage', args: ['--version'], pkg: 'genisoimage' }],
  vfat: [
    { cmd: '/usr/sbin/mkfs.vfat', args: ['--help'], pkg: 'dosfstools' },
    { cmd: 'mcopy', args: ['-V'], pkg: 'mtools' },
  ],
};

/** undefined when the tools for config drives of `format` run here; otherwise the skip reason. Throws in CI. */
export function configDriveSkip(format: 'iso9660' | 'vfat' = 'iso9660'): string | undefined {
  const missing = CONFIG_DRIVE_TOOLS[format].find((t) => spawnSync(t.cmd, t.args, { stdio: 'ignore', timeout: 15_000 }).error !== undefined);
  if (!missing) return undefined;
  const reason = `SKIPPED: ${missing.cmd} not installed (Debian package ${missing.pkg}), needed for ${format} config drives`;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

/** The line of `text` that holds a JSON object starting with `{"<firstKey>"`, parsed. */
export function jsonLine(text: string, firstKey: string): Record<string, unknown> {
  const line = text.split(/\r?\n/).find((l) => l.trimStart().startsWith(`{"${firstKey}"`));
  if (!line) throw new Error(`no JSON line starting with {"${firstKey}" in ${JSON.stringify(text.slice(-500))}`);
  return JSON.parse(line.trim()) as Record<string, unknown>;
}
