/**
 * QEMU processes: start one detached (its own session, stdio to a log file,
 * so it outlives nova-compute), wait until its QMP socket answers, tell
 * whether a pid is still that guest's QEMU, wait for it to exit, kill it.
 *
 * QEMU is not started with -daemonize: as our own child it is reaped by
 * Node as soon as it exits (no zombies while nova-compute runs; an adopted
 * guest is reaped by whatever init the host has). Every wait has a deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HypervisorError } from '../../exception/virt.ts';
import { procState } from '../../qemu/proc.ts';
import type { InstancePaths } from './paths.ts';
import { QmpClient } from './qmp.ts';

/** A started guest: its QEMU's pid and an open QMP connection. */
export interface StartedQemu {
  pid: number;
  qmp: QmpClient;
}

const POLL_MS = 100;
/** Exit (reaped) of the QEMU processes this Node process started, by pid. */
const ownExits = new Map<number, Promise<void>>();

/** Resolve true when `p` settles within `ms`, false otherwise (the timer never outlives the wait). */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([p.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/** The last `maxBytes` of a text file ('' when missing). */
export function tailFile(file: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export { procState };

/** True when `pid` is a live (not zombie) process whose command line names `uuid` (guards against pid reuse). */
export function isQemuOf(pid: number, uuid: string, procRoot = '/proc'): boolean {
  const state = procState(pid, procRoot);
  if (state === null || state === 'Z' || state === 'X') return false;
  try {
    return fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0').includes(uuid);
  } catch {
    return false;
  }
}

/** The pid in a QEMU pidfile, or null. */
export function readPidfile(pidfile: string): number | null {
  try {
    const n = Number.parseInt(fs.readFileSync(pidfile, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 1 ? n : null;
  } catch {
    return null;
  }
}

/**
 * pids of live QEMU processes started for `uuid` (a scan of /proc; used
 * when the pidfile is gone). With `dir`, only those whose command line
 * names a file in it: another host's QEMU of the same instance (the other
 * end of a migration, when hosts share a machine) is not this one's.
 */
export function findQemuPids(uuid: string, procRoot = '/proc', dir?: string): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(procRoot);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (!isQemuOf(pid, uuid, procRoot)) continue;
    const cmdline = fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('-uuid\0') && (dir === undefined || cmdline.includes(`${dir}/`))) out.push(pid);
  }
  return out;
}

/** Wait up to `timeoutMs` for the guest's QEMU to be gone; true if it is. */
export async function waitForExit(pid: number, uuid: string, timeoutMs: number): Promise<boolean> {
  const own = ownExits.get(pid);
  if (own) return within(own, timeoutMs); // our child: wait until Node has reaped it (no zombie left behind)
  const deadline = Date.now() + timeoutMs;
  while (isQemuOf(pid, uuid)) {
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
  return true;
}

/** SIGKILL the guest's QEMU and wait (up to `timeoutMs`) until it is gone. */
export async function killQemu(pid: number, uuid: string, timeoutMs = 10_000): Promise<void> {
  if (!isQemuOf(pid, uuid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw new HypervisorError(`cannot kill QEMU ${pid}: ${(e as Error).message}`, { pid });
  }
  if (!(await waitForExit(pid, uuid, timeoutMs))) throw new HypervisorError(`QEMU ${pid} of ${uuid} did not exit after SIGKILL within ${timeoutMs} ms`, { pid });
}

function removeStaleSockets(paths: InstancePaths): void {
  for (const s of [paths.qmp, paths.monitor, paths.serial, paths.vnc, paths.spice]) fs.rmSync(s, { force: true });
}

/**
 * Start QEMU detached with `args` and resolve once its QMP socket answers.
 * Rejects (with the end of qemu.log) when QEMU exits first or does not
 * answer within `timeoutMs`; in that case it is killed and reaped.
 */
export async function startQemu(binary: string, args: readonly string[], paths: InstancePaths, timeoutMs: number): Promise<StartedQemu> {
  removeStaleSockets(paths);
  fs.rmSync(paths.pidfile, { force: true });
  const logFd = fs.openSync(paths.qemuLog, 'a');
  let child: ChildProcess;
  try {
    fs.writeSync(logFd, `${new Date().toISOString()} nova: starting ${binary} ${args.join(' ')}\n`);
    child = spawn(binary, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    fs.closeSync(logFd);
  }
  const status: { exited: string | null } = { exited: null };
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new HypervisorError(`cannot start ${binary}: ${e.message}`, { binary })));
  });
  spawnError.catch(() => {});
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      status.exited = signal ? `killed by ${signal}` : `exit status ${code}`;
      resolve();
    }),
  );
  child.unref();
  const pid = await Promise.race([spawnError, new Promise<number | undefined>((resolve) => child.once('spawn', () => resolve(child.pid)))]);
  if (pid === undefined) throw new HypervisorError(`cannot start ${binary}: no pid`, { binary });
  ownExits.set(
    pid,
    exit.then(() => void ownExits.delete(pid)),
  );
  const failure = (why: string) => {
    const log = tailFile(paths.qemuLog, 2048).trim().split('\n').slice(-5).join('\n');
    return new HypervisorError(`QEMU for ${paths.uuid} ${why}${log ? `:\n${log}` : ''}`, { uuid: paths.uuid, pid });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (status.exited) throw failure(`exited during start (${status.exited})`);
    if (fs.existsSync(paths.qmp)) {
      try {
        const qmp = await QmpClient.connect(paths.qmp, Math.min(5_000, Math.max(1, deadline - Date.now())));
        return { pid, qmp };
      } catch {
        // not listening yet, or QEMU died: the loop looks again
      }
    }
    await sleep(POLL_MS);
  }
  child.kill('SIGKILL');
  await within(exit, 10_000);
  throw failure(`did not answer on ${paths.qmp} within ${timeoutMs} ms and was killed`);
}
