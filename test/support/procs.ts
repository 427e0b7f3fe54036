import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/*
 * Cleanup registry. Whatever a test file starts (a daemon, a guest, a cluster,
 * an in-process cloud) registers how to stop it the moment it exists, and
 * unregisters once stopped. A root-level `after` hook stops what is left when
 * the file ends: node:test runs it even when a suite's `before` threw half way
 * or its own `after` failed, so no process outlives its test file and nothing
 * keeps node's test process from exiting; a SIGTERM or SIGINT runs it too
 * (below: a killed runner).
 */
type Stopper = () => unknown;
const registry = new Map<number, { what: string; stop: Stopper }>();
let registered = 0;

/** Register `stop` for the end of this test file; returns the function that unregisters it (call it once stopped). */
export function onCleanup(what: string, stop: Stopper): () => void {
  const key = registered++;
  registry.set(key, { what, stop });
  return () => {
    registry.delete(key);
  };
}

/** What is still registered (a test can assert that a failed setup left nothing behind). */
export function pendingCleanups(): string[] {
  return [...registry.values()].map((r) => r.what);
}

/** Stop everything still registered, newest first; a failure or a hang (over 60 s) is reported and skipped. */
export async function cleanupAll(): Promise<void> {
  for (;;) {
    const key = Math.max(...registry.keys());
    const entry = registry.get(key);
    if (!entry) return;
    registry.delete(key);
    try {
      await Promise.race([
        Promise.resolve().then(entry.stop),
        sleep(60_000, undefined, { ref: false }).then(() => {
          throw new Error('still not stopped after 60 s');
        }),
      ]);
    } catch (e) {
      process.stderr.write(`# cleanup: stopping ${entry.what} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

/** Run every step even when some fail (a half-built setup being torn down); throws the first failure at the end. */
export async function runAll(steps: (() => unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      failures.push(e);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanup steps failed`);
}

/*
 * A killed runner. A test file's process ended by SIGTERM or SIGINT (a
 * cancelled CI job, ^C, node's test runner passing its own SIGTERM on) runs
 * no after hook, so the registry is run here before the process ends by
 * the same signal. The runner that sent it may be gone already: writes to
 * its pipes then fail (EPIPE), which must not end the cleanup. A second
 * signal meanwhile is ignored (each stopper is bounded, see cleanupAll).
 */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
let killedBy: NodeJS.Signals | undefined;

/** The signal this test process is being killed by while it cleans up, else undefined: a stopper can then be quick (SIGKILL, not a graceful stop). */
export function killSignal(): NodeJS.Signals | undefined {
  return killedBy;
}

function onSignal(signal: NodeJS.Signals): void {
  if (killedBy) return;
  killedBy = signal;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  void cleanupAll().finally(() => {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.kill(process.pid, signal);
  });
}

// Only inside node's test runner (each test file is its own process there).
if (process.env.NODE_TEST_CONTEXT) {
  after(cleanupAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** pids of QEMU processes (guests, and the storage daemons and qemu-img copies of moves) whose command line names a file under `dir`. */
export function qemusUnder(dir: string): number[] {
  const prefix = `${path.resolve(dir)}/`;
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (/^qemu-(system|storage-daemon|img|nbd)/.test(path.basename(argv[0] ?? '')) && argv.some((a) => a.includes(prefix))) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Stop the QEMU guests a test left running under `dir` (SIGTERM, SIGKILL after 5 s, at once when the runner is being killed); returns how many there were. */
export async function killQemusUnder(dir: string): Promise<number> {
  const pids = qemusUnder(dir);
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + (killedBy ? 0 : 5000);
  while (Date.now() < deadline && pids.some((p) => fs.existsSync(`/proc/${p}`))) await sleep(100);
  for (const pid of pids) signal(pid, 'SIGKILL');
  return pids.length;
}

export type Binary =
  | 'nova-api'
  | 'nova-api-metadata'
  | 'nova-scheduler'
  | 'nova-conductor'
  | 'nova-compute'
  | 'nova-compute-sim'
  | 'nova-manage'
  | 'nova-all'
  | 'nova'
  | 'nova-identity'
  | 'nova-image'
  | 'nova-consoleauth'
  | 'nova-cert'
  | 'nova-novncproxy'
  | 'nova-serialproxy'
  | 'nova-spicehtml5proxy';

export function tmpDir(prefix = 'nova-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Write a nova.conf from { section: { key: value } }. */
export function writeConf(file: string, sections: Record<string, Record<string, string | number | boolean>>): string {
  const text = Object.entries(sections)
    .map(
      ([s, kv]) =>
        `[${s}]\n${Object.entries(kv)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
    )
    .join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** A nova daemon running as its own OS process. */
export class Daemon {
  readonly proc: ChildProcess;
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    bin: Binary,
    args: string[],
    env: Record<string, string> = {},
  ) {
    this.proc = spawn(process.execPath, [path.join(ROOT, 'bin', `${bin}.js`), ...args], {
      cwd: ROOT,
      env: { ...process.env, NOVA_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (b: Buffer) => {
      for (const line of b.toString().split('\n')) if (line) this.output.push(line);
    };
    this.proc.stdout?.on('data', collect);
    this.proc.stderr?.on('data', collect);
    const unregister = onCleanup(`${bin} (${name})`, () => this.stop());
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        unregister();
        resolve({ code, signal });
      }),
    );
  }

  /** Wait until a line of output matches. */
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    while (Date.now() < deadline) {
      for (; seen < this.output.length; seen++) if (re.test(this.output[seen] as string)) return this.output[seen] as string;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null)
        throw new Error(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}) before ${re}:\n${this.tail()}`);
      await sleep(50);
    }
    throw new Error(`${this.name}: timed out waiting for ${re}:\n${this.tail()}`);
  }

  tail(n = 30): string {
    return this.output.slice(-n).join('\n');
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }

  async stop(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill('SIGTERM');
    // An unref'd timer: while the process runs it keeps the loop alive anyway, and once it exited nothing waits 15 s.
    const r = await Promise.race([this.exited, sleep(timeoutMs, null, { ref: false })]);
    if (r) return r;
    this.kill('SIGKILL');
    return this.exited;
  }
}

/** Run a command to completion. */
export function run(bin: Binary, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', `${bin}.js`), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const unregister = onCleanup(`${bin} ${args.join(' ')}`, () => p.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      unregister();
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parse a prettytable (as printed by nova-manage / nova) into row objects. */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const [head, ...rows] = lines;
  if (!head) return [];
  const keys = cells(head);
  return rows.map((r) => Object.fromEntries(cells(r).map((c, i) => [keys[i] as string, c])));
}

export async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A TCP port that was free a moment ago (for daemons whose URLs must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Run any program to completion (e.g. the openstack CLI). */
export function runProgram(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const unregister = onCleanup(`${cmd} ${args.join(' ')}`, () => p.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      unregister();
      reject(e);
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      unregister();
      resolve({ code, stdout, stderr });
    });
  });
}
