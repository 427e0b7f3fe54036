/**
 * Private networks of network namespaces, for engines that need a machine
 * each (a RabbitMQ or Galera cluster whose nodes all listen on the same
 * ports, each node killed like a machine that died).
 *
 * createPrivateNet(n) makes a bridge in the root namespace with a private
 * /24 of 10.0.0.0/8 (reserved under /run against concurrent test runs, and
 * checked against every address and route present), and n namespaces, each
 * attached to the bridge by a veth pair with its own address (`.11`, `.12`,
 * …) and its loopback up. The root namespace keeps `.1` on the bridge, so
 * processes there (the nova daemons, the test itself) reach every node.
 * There is no default route: traffic stays on the bridge.
 *
 * Everything is registered with onCleanup the moment it exists (the
 * namespaces with every process inside them, the veth pairs, the bridge,
 * the reservation), so a failing test leaves nothing behind; a test runner
 * that was itself killed leaves a reservation naming its resources, which
 * the next createPrivateNet removes. An `unreachable` route for the subnet
 * (below the bridge's) stays until the test process ends, so a client
 * still retrying a node after the network was removed gets EHOSTUNREACH
 * rather than sending its packets out by the default route.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REQUIRE } from './backends.ts';
import { onCleanup, runAll } from './procs.ts';

/** Where subnets are reserved (one file per /24, naming its owner and resources). */
const RESERVATIONS = '/run/nova-test-netns';

export interface Command {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion; rejects (with its stderr) unless it exits 0 or `allowFailure`. */
export function sh(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; allowFailure?: boolean } = {}): Promise<Command> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      if (err && !opts.allowFailure) {
        reject(new Error(`${cmd} ${args.join(' ')} failed (${err.code ?? err.signal ?? err.message}): ${String(stderr).trim() || String(stdout).trim()}`));
        return;
      }
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const ip = (...args: string[]) => sh('ip', args);

/** undefined when network namespaces can be made here (root, iproute2); otherwise the skip reason. Throws in CI. */
export async function netnsSkip(): Promise<string | undefined> {
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = 'SKIPPED: network namespaces need root';
  else if ((await sh('ip', ['netns', 'list'], { allowFailure: true }).catch(() => ({ code: null }))).code !== 0) reason = 'SKIPPED: `ip netns` does not work here (iproute2)';
  if (!reason) return undefined;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Its output is appended there too. */
  logFile?: string;
  /** How the end-of-file cleanup stops it: SIGTERM (then SIGKILL after 15 s; the default) or SIGKILL at once. */
  cleanupSignal?: 'SIGTERM' | 'SIGKILL';
}

/** A process running inside a namespace (`ip netns exec`; or in the root namespace when `ns` is null), tracked like Daemon: stopped when the test file ends. */
export class NsProcess {
  readonly proc: ChildProcess;
  /** The last lines of its output (stdout and stderr). */
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private ended = false;

  constructor(
    readonly name: string,
    readonly ns: string | null,
    cmd: string,
    args: readonly string[],
    opts: SpawnOptions = {},
  ) {
    // `ip netns exec` execs the command after entering the namespace: the pid is the command's own.
    const [file, argv] = ns === null ? [cmd, args] : ['ip', ['netns', 'exec', ns, cmd, ...args]];
    this.proc = spawn(file, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : null;
    const collect = (b: Buffer) => {
      log?.write(b);
      for (const line of b.toString().split('\n')) if (line) this.output.push(line);
      if (this.output.length > 2000) this.output.splice(0, this.output.length - 1000);
    };
    this.proc.stdout?.on('data', collect);
    this.proc.stderr?.on('data', collect);
    const unregister = onCleanup(ns === null ? name : `${name} (netns ${ns})`, () => (opts.cleanupSignal === 'SIGKILL' ? this.killed() : this.stop()));
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.ended = true;
        unregister();
        log?.end();
        resolve({ code, signal });
      };
      this.proc.on('exit', done);
      this.proc.on('error', (e) => {
        this.output.push(`${cmd}: ${e.message}`);
        if (this.proc.pid === undefined) done(null, null);
      });
    });
  }

  /** Wait until a line of output matches (a line already there counts). */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.output.find((l) => re.test(l));
      if (line !== undefined) return line;
      if (!this.running) throw new Error(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}) before ${re}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${re}:\n${this.tail()}`);
      await sleep(50);
    }
  }

  get running(): boolean {
    return !this.ended && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  tail(n = 30): string {
    return this.output.slice(-n).join('\n');
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.proc.kill(signal);
  }

  /** SIGKILL; resolves once it exited. */
  killed(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill('SIGTERM');
    const r = await Promise.race([this.exited, sleep(timeoutMs, null, { ref: false })]);
    if (r) return r;
    this.kill('SIGKILL');
    return this.exited;
  }
}

/** One namespace on the private network. */
export interface NetNode {
  readonly index: number;
  /** The namespace's name (`ip netns exec <ns> …`). */
  readonly ns: string;
  /** Its address on the bridge. */
  readonly ip: string;
  /** The root side of its veth pair (on the bridge). */
  readonly hostVeth: string;
}

export interface PrivateNet {
  readonly bridge: string;
  /** `10.a.b.0/24` */
  readonly subnet: string;
  /** The root namespace's address on the bridge. */
  readonly hostIp: string;
  readonly nodes: readonly NetNode[];
  /** Start a long-running process inside node `i`'s namespace. */
  spawn(i: number, name: string, cmd: string, args: readonly string[], opts?: SpawnOptions): NsProcess;
  /** Run a command to completion inside node `i`'s namespace. */
  exec(i: number, cmd: string, args: readonly string[], opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number; allowFailure?: boolean }): Promise<Command>;
  /** pids of every process inside node `i`'s namespace. */
  pids(i: number): Promise<number[]>;
  /** SIGKILL every process inside node `i`'s namespace (a machine that died; its address still answers, with resets); resolves once they are gone. */
  killAll(i: number): Promise<number[]>;
  /** Cut node `i` off the bridge (its link down: packets vanish, connections hang until their timeouts) … */
  disconnect(i: number): Promise<void>;
  /** … and attach it again. */
  reconnect(i: number): Promise<void>;
  /** Remove everything (also done at the end of the test file). */
  close(): Promise<void>;
}

interface Reservation {
  pid: number;
  bridge: string;
  namespaces: string[];
  /** The subnet's fallback route (see createPrivateNet), once added. */
  subnet?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e instanceof Error && 'code' in e && e.code === 'EPERM';
  }
}

function readReservation(file: string): Reservation | null {
  try {
    const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (data === null || typeof data !== 'object') return null;
    const pid = 'pid' in data && typeof data.pid === 'number' ? data.pid : 0;
    const bridge = 'bridge' in data && typeof data.bridge === 'string' ? data.bridge : '';
    const namespaces = 'namespaces' in data && Array.isArray(data.namespaces) ? data.namespaces.filter((n): n is string => typeof n === 'string') : [];
    const subnet = 'subnet' in data && typeof data.subnet === 'string' ? data.subnet : undefined;
    return { pid, bridge, namespaces, ...(subnet ? { subnet } : {}) };
  } catch {
    return null;
  }
}

async function pidsIn(ns: string): Promise<number[]> {
  const r = await sh('ip', ['netns', 'pids', ns], { allowFailure: true });
  return r.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

async function killNamespaceProcesses(ns: string): Promise<number[]> {
  const pids = await pidsIn(ns);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await pidsIn(ns)).length > 0) await sleep(50);
  return pids;
}

async function removeNamespace(ns: string): Promise<void> {
  await killNamespaceProcesses(ns);
  await sh('ip', ['netns', 'del', ns], { allowFailure: true });
  fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
}

const FALLBACK_METRIC = '4242';

async function removeFallbackRoute(subnet: string): Promise<void> {
  await sh('ip', ['route', 'del', 'unreachable', subnet, 'metric', FALLBACK_METRIC], { allowFailure: true });
}

async function removeLink(name: string): Promise<void> {
  await sh('ip', ['link', 'del', name], { allowFailure: true });
}

/** Remove what test runs that died without cleaning up left behind. */
async function sweepStale(): Promise<void> {
  if (!fs.existsSync(RESERVATIONS)) return;
  for (const name of fs.readdirSync(RESERVATIONS)) {
    const file = path.join(RESERVATIONS, name);
    const r = readReservation(file);
    if (r && alive(r.pid)) continue;
    if (r) {
      for (const ns of r.namespaces) await removeNamespace(ns);
      if (r.bridge) await removeLink(r.bridge);
      if (r.subnet) await removeFallbackRoute(r.subnet);
    }
    fs.rmSync(file, { force: true });
  }
}

/** Every IPv4 /24 (`a.b.c`) with an address or a route on this machine, plus wider routes as prefixes. */
async function subnetsInUse(): Promise<{ exact: Set<string>; wide: { net: number; bits: number }[] }> {
  const exact = new Set<string>();
  const wide: { net: number; bits: number }[] = [];
  const toInt = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const addrs = await ip('-4', '-o', 'addr', 'show');
  const routes = await ip('-4', 'route', 'show', 'table', 'all');
  for (const m of `${addrs.stdout}\n${routes.stdout}`.matchAll(/(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/g)) {
    const addr = m[1] as string;
    const bits = m[2] === undefined ? 32 : Number(m[2]);
    if (bits >= 24) exact.add(addr.split('.').slice(0, 3).join('.'));
    else if (bits > 8) wide.push({ net: toInt(addr) >>> (32 - bits), bits });
  }
  return { exact, wide };
}

/** Reserve a free 10.a.b.0/24: not in use here, not reserved by a concurrent run (an exclusive file). */
async function reserveSubnet(bridge: string): Promise<{ prefix: string; file: string }> {
  fs.mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const { exact, wide } = await subnetsInUse();
    const a = randomInt(16, 250);
    const b = randomInt(0, 256);
    const prefix = `10.${a}.${b}`;
    const n = ((10 * 256 + a) * 256 + b) * 256;
    if (exact.has(prefix) || wide.some((w) => n >>> (32 - w.bits) === w.net)) continue;
    const file = path.join(RESERVATIONS, prefix);
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, bridge, namespaces: [] } satisfies Reservation), { flag: 'wx' });
      return { prefix, file };
    } catch {
      // reserved by another run meanwhile
    }
  }
  throw new Error('no free 10.x.y.0/24 found for a private test network');
}

/** A bridge with `n` namespaces on it (see the module comment). */
export async function createPrivateNet(n: number, label = 'nova'): Promise<PrivateNet> {
  await sweepStale();
  const tag = randomBytes(3).toString('hex');
  const bridge = `nvbr${tag}`;
  const { prefix, file } = await reserveSubnet(bridge);
  const reservation: Reservation = { pid: process.pid, bridge, namespaces: [] };
  // The reservation and the fallback route below outlive close(): they go when the test process ends.
  onCleanup(`subnet reservation ${prefix}.0/24`, () => fs.rmSync(file, { force: true }));
  const save = () => fs.writeFileSync(file, JSON.stringify(reservation));
  const steps: { what: string; undo: () => Promise<void> }[] = [];
  const undoers: (() => void)[] = [];
  const track = (what: string, undo: () => Promise<void>) => {
    steps.push({ what, undo });
    undoers.push(onCleanup(what, undo));
  };
  const hostIp = `${prefix}.1`;
  const nodes: NetNode[] = [];
  try {
    // Below the bridge's own route, an unreachable one: once the bridge is gone, clients still trying the
    // nodes get EHOSTUNREACH at once instead of their packets leaving by the default route.
    reservation.subnet = `${prefix}.0/24`;
    save();
    onCleanup(`fallback route ${prefix}.0/24`, () => removeFallbackRoute(`${prefix}.0/24`));
    await ip('route', 'add', 'unreachable', `${prefix}.0/24`, 'metric', FALLBACK_METRIC);
    await ip('link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
    track(`bridge ${bridge}`, () => removeLink(bridge));
    await ip('addr', 'add', `${hostIp}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    for (let i = 0; i < n; i++) {
      const ns = `${label}-${tag}-${i + 1}`;
      const hostVeth = `nv${tag}h${i + 1}`;
      const peer = `nv${tag}n${i + 1}`;
      const nodeIp = `${prefix}.${11 + i}`;
      await ip('netns', 'add', ns);
      reservation.namespaces.push(ns);
      save();
      track(`netns ${ns}`, () => removeNamespace(ns));
      await ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
      track(`veth ${hostVeth}`, () => removeLink(hostVeth));
      await ip('link', 'set', hostVeth, 'master', bridge, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', peer, 'name', 'eth0');
      await ip('-n', ns, 'addr', 'add', `${nodeIp}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      nodes.push({ index: i, ns, ip: nodeIp, hostVeth });
    }
  } catch (e) {
    await runAll(steps.reverse().map((s) => s.undo));
    for (const u of undoers) u();
    throw e;
  }

  const node = (i: number): NetNode => {
    const nd = nodes[i];
    if (!nd) throw new Error(`no node ${i} on ${bridge} (${nodes.length} nodes)`);
    return nd;
  };
  let closed = false;
  return {
    bridge,
    subnet: `${prefix}.0/24`,
    hostIp,
    nodes,
    spawn: (i, name, cmd, args, opts) => new NsProcess(name, node(i).ns, cmd, args, opts),
    exec: (i, cmd, args, opts) => sh('ip', ['netns', 'exec', node(i).ns, cmd, ...args], opts),
    pids: (i) => pidsIn(node(i).ns),
    killAll: (i) => killNamespaceProcesses(node(i).ns),
    disconnect: async (i) => {
      await ip('link', 'set', node(i).hostVeth, 'down');
    },
    reconnect: async (i) => {
      await ip('link', 'set', node(i).hostVeth, 'up');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await runAll(steps.reverse().map((s) => s.undo));
      } finally {
        for (const u of undoers) u();
      }
    },
  };
}
