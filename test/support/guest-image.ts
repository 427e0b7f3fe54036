/**
 * The test guest that every real-QEMU test boots, built from Debian packages
 * by the repository's own scripts/build-test-guest.sh the first time a test
 * needs it, then kept in $NOVA_GUEST_IMAGE_DIR (default /tmp/nova-guest-image).
 * The downloaded .debs stay in $NOVA_GUEST_DEB_CACHE (default beside the
 * image, `<image dir>.debs`), so a rebuild needs no network.
 *
 * The image directory records which builder made it (BUILD_ID, a hash of
 * the script and of scripts/test-guest/rootfs/); an image from another builder, or
 * from an older version of this one, is rebuilt rather than trusted.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './procs.ts';

export const GUEST_DIR = process.env.NOVA_GUEST_IMAGE_DIR ?? path.join(os.tmpdir(), 'nova-guest-image');
export const GUEST_DEB_CACHE = process.env.NOVA_GUEST_DEB_CACHE ?? `${GUEST_DIR}.debs`;
export const BUILD_SCRIPT = path.join(ROOT, 'scripts', 'build-test-guest.sh');
const GUEST_FILES = path.join(ROOT, 'scripts', 'test-guest', 'rootfs');
const BUILD_ID_FILE = 'BUILD_ID';

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p).map((f) => path.join(e.name, f)));
    else out.push(e.name);
  }
  return out.sort();
}

/** A hash of what the guest is made from: the script and the files of rootfs/ (names, modes, contents). */
export function guestBuildId(): string {
  const h = createHash('sha256');
  const add = (file: string, name: string) => {
    h.update(`${name}\0${fs.statSync(file).mode & 0o777}\0`);
    h.update(fs.readFileSync(file));
    h.update('\0');
  };
  add(BUILD_SCRIPT, 'build-test-guest.sh');
  for (const f of filesUnder(GUEST_FILES)) add(path.join(GUEST_FILES, f), f);
  return h.digest('hex').slice(0, 16);
}

function readBuildId(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, BUILD_ID_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Block this thread for `ms` (ensureGuestImage is synchronous, as the build is). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Run `fn` holding `<image dir>.lock`, so that test files starting together
 * build the guest once: the others wait, then find it built. A lock whose
 * holder died is taken over.
 */
function withBuildLock<T>(fn: () => T): T {
  const lock = `${GUEST_DIR}.lock`;
  const owner = path.join(lock, 'pid');
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let stale = false;
    try {
      stale = !alive(Number(fs.readFileSync(owner, 'utf8')));
    } catch {
      // no pid written yet: only stale when old
      stale = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 60_000;
    }
    if (stale) fs.rmSync(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`${lock} is still held after 10 minutes`);
    else sleepSync(250);
  }
  try {
    fs.writeFileSync(owner, String(process.pid));
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The guest's bootable disk (disk.qcow2), building the image when it is
 * missing or was made by another builder (~10 s, a few seconds more the
 * first time for the downloads). Test files that need it at the same time
 * share one build (a lock beside the image directory).
 */
export function ensureGuestImage(): string {
  const disk = path.join(GUEST_DIR, 'disk.qcow2');
  const id = guestBuildId();
  const current = () => fs.existsSync(disk) && readBuildId(GUEST_DIR) === id;
  if (current()) return disk;
  return withBuildLock(() => {
    if (current()) return disk; // built while this one waited
    const tmp = `${GUEST_DIR}.build-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    try {
      execFileSync(BUILD_SCRIPT, [tmp], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, NOVA_GUEST_DEB_CACHE: GUEST_DEB_CACHE },
        timeout: 300_000,
      });
      fs.writeFileSync(path.join(tmp, BUILD_ID_FILE), `${id}\n`);
      // Set a stale image aside (a guest still running from it keeps its open file), put the new one in place.
      const old = `${GUEST_DIR}.old-${process.pid}`;
      if (fs.existsSync(GUEST_DIR)) fs.renameSync(GUEST_DIR, old);
      fs.renameSync(tmp, GUEST_DIR);
      fs.rmSync(old, { recursive: true, force: true });
    } catch (e) {
      throw new Error(`could not build the test guest with ${BUILD_SCRIPT} into ${GUEST_DIR}: ${(e as Error).message}`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return disk;
  });
}
