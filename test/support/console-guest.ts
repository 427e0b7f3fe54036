/**
 * A real guest for the console tests: the test guest of
 * scripts/build-test-guest.sh (see guest-image.ts), run by a bare
 * qemu-system-x86_64 with its VNC, serial and (optionally) SPICE consoles on
 * unix sockets, as the qemu driver lays them out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureGuestImage } from './guest-image.ts';
import { onCleanup } from './procs.ts';

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
  const disk = ensureGuestImage();
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
    ...['-drive', `file=${disk},if=virtio,snapshot=on`],
  ];
  const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise((r) => proc.once('exit', r));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const stop = async () => {
    if (running()) {
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5000, undefined, { ref: false })]);
      if (running()) {
        proc.kill('SIGKILL');
        await exited;
      }
    }
    unregister();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // Registered at once: a test whose setup fails after this point still gets its guest stopped.
  const unregister = onCleanup(`qemu guest in ${dir}`, stop);
  const deadline = Date.now() + 15_000;
  while (!(fs.existsSync(vnc) && fs.existsSync(serial) && (!spice || fs.existsSync(spice)))) {
    if (!running() || Date.now() > deadline) {
      await stop();
      throw new Error(`qemu did not start: ${stderr}`);
    }
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
        if (!running()) throw new Error(`qemu exited: ${stderr}`);
        await sleep(200);
      }
      throw new Error(`guest console never showed ${re}`);
    },
    stop,
  };
}
