/**
 * The load of the scale benches (scale.ts, scale-workers.ts): Rally's
 * boot_and_delete_server at a given concurrency against a cluster's API, one
 * watcher polling for every server in flight, and the /proc readings of the
 * daemons' CPU time.
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

/**
 * Boot-and-delete `n` times, `concurrency` at a time, the servers named
 * `<prefix>-<i>`; boot times from POST to launched_at, and the hosts used.
 */
export async function bootAndDelete(api: ApiClient, n: number, concurrency: number, prefix: string): Promise<{ bootMs: number[]; wallMs: number; hosts: Set<string> }> {
  const watcher = new Watcher(api, `${prefix}-`);
  const bootMs: number[] = [];
  const hosts = new Set<string>();
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const before = Date.now();
        const id = await api.boot(`${prefix}-${i}`);
        const s = (await watcher.until(id, 'ACTIVE')) as ServerView;
        const launched = Date.parse(`${String(s['OS-SRV-USG:launched_at']).replace(' ', 'T')}Z`);
        bootMs.push(Number.isFinite(launched) ? launched - before : Date.now() - before);
        hosts.add(String(s['OS-EXT-SRV-ATTR:host']));
        const d = await api.delete(`/servers/${id}`);
        if (d.status !== 204) throw new Error(`delete ${id}: ${d.status}`);
        await watcher.until(id, 'GONE');
      }
    }),
  );
  return { bootMs, wallMs: Date.now() - t0, hosts };
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
