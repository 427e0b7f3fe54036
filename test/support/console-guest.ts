/**
 * A real guest for the console tests: the tiny image of
 * ../shared/guest/build-guest.sh (built once into $NOVA_GUEST_IMAGE_DIR or
 * /tmp/nova-guest-image), run by a bare qemu-system-x86_64 with its VNC,
 * serial and (optionally) SPICE consoles on unix sockets, as the qemu
 * driver lays them out.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './procs.ts';

export const GUEST_IMAGE_DIR = process.env.NOVA_GUEST_IMAGE_DIR ?? path.join(os.tmpdir(), 'nova-guest-image');
const BUILD_SCRIPT = process.env.NOVA_GUEST_BUILD_SCRIPT ?? path.resolve(ROOT, '..', 'shared', 'guest', 'build-guest.sh');

/** The guest image directory (disk.qcow2), building it the first time (~15 s). */
export function ensureGuestImage(): string {
  if (fs.existsSync(path.join(GUEST_IMAGE_DIR, 'disk.qcow2'))) return GUEST_IMAGE_DIR;
  if (!fs.existsSync(BUILD_SCRIPT)) throw new Error(`no guest image in ${GUEST_IMAGE_DIR} and no ${BUILD_SCRIPT} to build one`);
  const tmp = `${GUEST_IMAGE_DIR}.build-${process.pid}`;
  execFileSync('bash', [BUILD_SCRIPT, tmp], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  try {
    fs.renameSync(tmp, GUEST_IMAGE_DIR);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // built concurrently by another test: use that one
  }
  return GUEST_IMAGE_DIR;
}

/** A running guest and its console sockets. */
export interface Guest {
  readonly dir: string;
  readonly vnc: string;
  readonly serial: string;
  readonly spice: string | null;
  readonly consoleLog: string;
  readonly proc: ChildProcess;
  /** Wait for a line of the serial console log. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Boot the test guest under TCG with its consoles on unix sockets in a fresh directory. */
export async function startGuest(opts: { spice?: boolean } = {}): Promise<Guest> {
  const image = ensureGuestImage();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-cons-'));
  const vnc = path.join(dir, 'vnc.sock');
  const serial = path.join(dir, 'serial.sock');
  const spice = opts.spice ? path.join(dir, 'spice.sock') : null;
  const consoleLog = path.join(dir, 'console.log');
  const args = [
    ...['-accel', 'tcg', '-m', '128M', '-smp', '1', '-display', 'none', '-nodefaults', '-vga', 'std'],
    ...['-vnc', `unix:${vnc}`],
    ...['-chardev', `socket,id=s0,path=${serial},server=on,wait=off,logfile=${consoleLog}`, '-serial', 'chardev:s0'],
    ...(spice ? ['-spice', `unix=on,addr=${spice},disable-ticketing=on`] : []),
    ...['-drive', `file=${path.join(image, 'disk.qcow2')},if=virtio,snapshot=on`],
  ];
  const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const deadline = Date.now() + 15_000;
  while (!(fs.existsSync(vnc) && fs.existsSync(serial) && (!spice || fs.existsSync(spice)))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`qemu did not start: ${stderr}`);
    await sleep(50);
  }
  return {
    dir,
    vnc,
    serial,
    spice,
    consoleLog,
    proc,
    async waitForLog(re, timeoutMs = 90_000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const text = fs.existsSync(consoleLog) ? fs.readFileSync(consoleLog, 'utf8') : '';
        const m = re.exec(text);
        if (m) return m[0];
        if (proc.exitCode !== null) throw new Error(`qemu exited: ${stderr}`);
        await sleep(200);
      }
      throw new Error(`guest console never showed ${re}`);
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, sleep(5000).then(() => proc.kill('SIGKILL'))]);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
