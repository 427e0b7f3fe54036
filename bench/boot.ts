import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { mysqlSkip, rabbitSkip } from '../test/support/backends.ts';
import { ApiClient, startCloud } from '../test/support/cloud.ts';
import { startCluster } from '../test/support/cluster.ts';
import { ROOT } from '../test/support/procs.ts';
import { ms, printTable, summary } from './stats.ts';

const CAPACITY = { fake: { memory_mb: '1000000', vcpus: '100000', local_gb: '1000000' } };

/** Wall time from POST to launched_at (set in the same write that makes the server ACTIVE). */
async function bootAll(api: ApiClient, n: number, concurrency: number): Promise<{ totalMs: number; perServerMs: number[] }> {
  const started = new Map<string, number>();
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const before = Date.now();
        const id = await api.boot(`bench-${i}`);
        started.set(id, before);
      }
    }),
  );
  const launched = new Map<string, number>();
  while (launched.size < n) {
    const r = await api.get<{ servers: { id: string; status: string; 'OS-SRV-USG:launched_at': string | null }[] }>('/servers/detail?limit=1000&status=ACTIVE&name=^bench-');
    for (const s of r.body.servers) if (s['OS-SRV-USG:launched_at'] && !launched.has(s.id)) launched.set(s.id, Date.parse(`${s['OS-SRV-USG:launched_at']}Z`));
    const errors = await api.get<{ servers: unknown[] }>('/servers?status=ERROR&name=^bench-');
    if (errors.body.servers.length) throw new Error(`${errors.body.servers.length} boots failed`);
    if (launched.size < n) await sleep(20);
  }
  const totalMs = Math.max(...launched.values()) - t0;
  const perServerMs = [...launched].map(([id, t]) => t - (started.get(id) ?? t0));
  return { totalMs, perServerMs };
}

async function deleteAll(api: ApiClient): Promise<void> {
  for (;;) {
    const r = await api.get<{ servers: { id: string }[] }>('/servers?limit=1000');
    if (r.body.servers.length === 0) return;
    await Promise.all(r.body.servers.map((s) => api.delete(`/servers/${s.id}`)));
    await sleep(200);
  }
}

async function listLatency(api: ApiClient, n: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const r = await api.get<{ servers: unknown[] }>('/servers/detail?limit=1000');
    samples.push(performance.now() - t);
    if (r.body.servers.length !== n) throw new Error(`expected ${n} servers, got ${r.body.servers.length}`);
  }
  return summary(samples).p50;
}

async function singleBoot(api: ApiClient): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { perServerMs } = await bootAll(api, 1, 1);
    samples.push(perServerMs[0] as number);
    await deleteAll(api);
  }
  return summary(samples).p50;
}

function rssMiB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    kb += Number(m?.[1] ?? 0);
  }
  return kb / 1024;
}

/** The figures of the lifecycle issue, next to the bar set by Nova 26 on this kind of machine. */
export async function benchBoot(): Promise<void> {
  const rows: (string | number)[][] = [];
  // Embedded: one process, SQLite, memory bus.
  {
    const cloud = await startCloud({ computes: Array.from({ length: 10 }, (_, i) => `bench-c${i}`), overrides: CAPACITY });
    const api = new ApiClient(cloud.url);
    const one = await singleBoot(api);
    const fifty = await bootAll(api, 50, 50);
    const list50 = await listLatency(api, 50);
    await deleteAll(api);
    const big = await bootAll(api, 500, 50);
    const s = summary(big.perServerMs);
    await bootAll(api, 500, 50);
    const list1000 = await listLatency(api, 1000);
    rows.push([
      'embedded (SQLite, memory://), 10 computes in 1 process',
      ms(one),
      ms(fifty.totalMs),
      ms(list50),
      (500 / (big.totalMs / 1000)).toFixed(0),
      ms(s.p50),
      ms(s.p99),
      ms(list1000),
      `${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB (whole process)`,
    ]);
    await cloud.stop();
  }
  if ((await mysqlSkip()) || (await rabbitSkip())) {
    rows.push(['RabbitMQ + MariaDB', 'skipped: MariaDB or RabbitMQ not reachable', '', '', '', '', '', '', '']);
  } else {
    // Use the compiled build for the daemons, as a deployment would.
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
    for (const computes of [3, 10]) {
      const cluster = await startCluster({
        computes: Array.from({ length: computes }, (_, i) => `bench-${computes}-${i}`),
        conf: { fake: { memory_mb: 1000000, vcpus: 100000, local_gb: 1000000 }, DEFAULT: { report_interval: 10, service_down_time: 60 } },
      });
      // A failed run stops its daemons too (they would outlive the bench, holding their database connections).
      try {
        const api = new ApiClient(cluster.url);
        const one = await singleBoot(api);
        const fifty = await bootAll(api, 50, 50);
        const list50 = await listLatency(api, 50);
        const rss = rssMiB(cluster.daemons.map((d) => d.proc.pid as number));
        await deleteAll(api);
        if (computes === 10) {
          const big = await bootAll(api, 500, 50);
          const s = summary(big.perServerMs);
          await bootAll(api, 500, 50);
          const list1000 = await listLatency(api, 1000);
          rows.push([
            `RabbitMQ + MariaDB, ${computes} compute processes`,
            ms(one),
            ms(fifty.totalMs),
            ms(list50),
            (500 / (big.totalMs / 1000)).toFixed(0),
            ms(s.p50),
            ms(s.p99),
            ms(list1000),
            `${rss.toFixed(0)} MiB (${cluster.daemons.length} daemons)`,
          ]);
        } else {
          rows.push([
            `RabbitMQ + MariaDB, ${computes} compute processes`,
            ms(one),
            ms(fifty.totalMs),
            ms(list50),
            '',
            '',
            '',
            '',
            `${rss.toFixed(0)} MiB (${cluster.daemons.length} daemons)`,
          ]);
        }
      } finally {
        await cluster.stop();
      }
    }
  }
  rows.push(['Nova 26 (bar), fake driver, 3 computes', '690 ms', '27500 ms', '121 ms', '', '', '', '', '2048 MiB']);
  printTable(
    'Server boots with the fake driver (POST to ACTIVE = POST sent to launched_at)',
    ['setup', '1 boot', '50 parallel, all ACTIVE', 'GET detail, 50', 'boots/s (500)', 'p50 (500)', 'p99 (500)', 'GET detail, 1000', 'daemon RSS'],
    rows,
  );
}
