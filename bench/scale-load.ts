/**
 * The load of the scale benches (scale.ts, scale-workers.ts): Rally's
 * boot_and_delete_server at a given concurrency against a cluster's API,
 * either as a closed loop (one watcher polling for every server in flight
 * every 50 ms, each user booting again at once) or paced as Rally paces it;
 * and the /proc readings of the daemons' CPU time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mysqlSkip, rabbitSkip } from '../test/support/backends.ts';
import type { ApiClient } from '../test/support/cloud.ts';
import { type Cluster, type ClusterOptions, startCluster } from '../test/support/cluster.ts';
import { ROOT } from '../test/support/procs.ts';

export const CONCURRENCY = 50;
export const POLL_MS = 50;
export const RESULTS = path.join(ROOT, 'bench', 'results');
const CLK_TCK = 100;

interface ServerView {
  id: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-SRV-USG:launched_at': string | null;
  'OS-EXT-SRV-ATTR:host': string | null;
}

/** One poller for every server in flight: one GET /servers/detail per POLL_MS, whatever the concurrency. */
class Watcher {
  private readonly waiting = new Map<string, { want: 'ACTIVE' | 'GONE'; resolve: (s: ServerView | null) => void; reject: (e: Error) => void }>();
  private running = false;

  constructor(
    private readonly api: ApiClient,
    private readonly prefix: string,
  ) {}

  until(id: string, want: 'ACTIVE' | 'GONE'): Promise<ServerView | null> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { want, resolve, reject });
      if (!this.running) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      await this.poll();
    } catch (e) {
      // The API is gone or answered nonsense: every waiter fails with it (nothing polls on after the run failed).
      for (const w of this.waiting.values()) w.reject(e instanceof Error ? e : new Error(String(e)));
      this.waiting.clear();
    }
    this.running = false;
  }

  private async poll(): Promise<void> {
    while (this.waiting.size) {
      await sleep(POLL_MS);
      const r = await this.api.get<{ servers: ServerView[] }>(`/servers/detail?name=^${this.prefix}&limit=1000`);
      if (r.status !== 200) throw new Error(`GET /servers/detail: ${r.status} ${JSON.stringify(r.body)}`);
      const seen = new Map(r.body.servers.map((s) => [s.id, s]));
      for (const [id, w] of this.waiting) {
        const s = seen.get(id);
        if (w.want === 'GONE' && !s) w.resolve(null);
        else if (s?.status === 'ERROR') w.reject(new Error(`server ${id} went to ERROR`));
        else if (w.want === 'ACTIVE' && s?.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null) w.resolve(s);
        else continue;
        this.waiting.delete(id);
      }
    }
  }
}

/** Run `iteration` for 0..n-1, `concurrency` users at a time (each takes the next index when done); the wall time in ms. */
async function users(n: number, concurrency: number, iteration: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await iteration(next++);
    }),
  );
  return Date.now() - t0;
}

/** POST sent at `before` → the server's launched_at (the time now when it has none). */
function bootTime(s: ServerView, before: number): number {
  const launched = Date.parse(`${String(s['OS-SRV-USG:launched_at']).replace(' ', 'T')}Z`);
  return Number.isFinite(launched) ? launched - before : Date.now() - before;
}

async function deleteServer(api: ApiClient, id: string): Promise<void> {
  const d = await api.delete(`/servers/${id}`);
  if (d.status !== 204) throw new Error(`delete ${id}: ${d.status}`);
}

/**
 * Boot-and-delete `n` times, `concurrency` at a time, the servers named
 * `<prefix>-<i>`; boot times from POST to launched_at, and the hosts used.
 */
export async function bootAndDelete(api: ApiClient, n: number, concurrency: number, prefix: string): Promise<{ bootMs: number[]; wallMs: number; hosts: Set<string> }> {
  const watcher = new Watcher(api, `${prefix}-`);
  const bootMs: number[] = [];
  const hosts = new Set<string>();
  const wallMs = await users(n, concurrency, async (i) => {
    const before = Date.now();
    const id = await api.boot(`${prefix}-${i}`);
    const s = (await watcher.until(id, 'ACTIVE')) as ServerView;
    bootMs.push(bootTime(s, before));
    hosts.add(String(s['OS-EXT-SRV-ATTR:host']));
    await deleteServer(api, id);
    await watcher.until(id, 'GONE');
  });
  return { bootMs, wallMs, hosts };
}

/**
 * Rally's own pacing of boot_and_delete_server (rally-openstack's defaults):
 * after the POST it sleeps nova_server_boot_prepoll_delay (1 s), then GETs
 * the server every nova_server_boot_poll_interval (2 s) until ACTIVE; after
 * the DELETE it GETs it at once and every nova_server_delete_poll_interval
 * (2 s) until 404 — the load under which Nova's published figures were taken.
 */
export const RALLY = { bootPrepollMs: 1000, bootPollMs: 2000, deletePollMs: 2000 };

export interface PacedRun {
  /** POST sent → launched_at, as in the closed loop. */
  bootMs: number[];
  /** POST sent → the GET that saw ACTIVE: what Rally's nova.boot_server times. */
  observedMs: number[];
  wallMs: number;
  gets: number;
}

/** Boot-and-delete `n` times, `concurrency` at a time, each paced as Rally paces it ({@link RALLY}). */
export async function bootAndDeletePaced(api: ApiClient, n: number, concurrency: number, prefix: string): Promise<PacedRun> {
  const out: PacedRun = { bootMs: [], observedMs: [], wallMs: 0, gets: 0 };
  const look = async (id: string): Promise<ServerView | null> => {
    out.gets++;
    const r = await api.get<{ server: ServerView }>(`/servers/${id}`);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`GET /servers/${id}: ${r.status} ${JSON.stringify(r.body)}`);
    if (r.body.server.status === 'ERROR') throw new Error(`server ${id} went to ERROR`);
    return r.body.server;
  };
  out.wallMs = await users(n, concurrency, async (i) => {
    const before = Date.now();
    const id = await api.boot(`${prefix}-${i}`);
    await sleep(RALLY.bootPrepollMs);
    let s = await look(id);
    while (s?.status !== 'ACTIVE') {
      await sleep(RALLY.bootPollMs);
      s = await look(id);
    }
    out.observedMs.push(Date.now() - before);
    out.bootMs.push(bootTime(s, before));
    await deleteServer(api, id);
    while ((await look(id)) !== null) await sleep(RALLY.deletePollMs);
  });
  return out;
}

/** utime + stime of a process, in ms; 0 for a process that is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * A cluster of nova-compute-sim's `hosts` simulated hosts (fake hosts with
 * room for any load, heartbeats every 10 s as a deployment's default) with
 * `conf` over that, for `run`; on a failure, what the daemons said last is
 * printed for it to be understood once they are gone.
 */
export async function withSimCluster<T>(hosts: number, conf: NonNullable<ClusterOptions['conf']>, run: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = await startCluster({
    computes: [],
    sim: { hosts },
    conf: {
      ...conf,
      fake: { memory_mb: 1000000, vcpus: 100000, local_gb: 1000000 },
      // 1,000 hosts are 100 service updates a second.
      DEFAULT: { report_interval: 10, service_down_time: 60, ...conf.DEFAULT },
    },
  });
  try {
    return await run(cluster);
  } catch (e) {
    for (const d of cluster.daemons) console.error(`--- ${d.name} (exit ${d.proc.exitCode ?? d.proc.signalCode ?? 'running'}):\n${d.tail(8)}`);
    throw e;
  } finally {
    await cluster.stop();
  }
}

/** True (said) when MariaDB or RabbitMQ is missing; otherwise the build, for the daemons to run from it as a deployment would. */
export async function skipOrBuild(bench: string): Promise<boolean> {
  const skip = (await mysqlSkip()) ?? (await rabbitSkip());
  if (skip) {
    console.log(`\n${bench}: skipped (${skip})`);
    return true;
  }
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
  return false;
}
