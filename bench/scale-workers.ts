/**
 * Workers (npm run bench -- workers): the same separate-process cloud as the
 * scale bench (nova-api, nova-scheduler, nova-conductor over RabbitMQ and
 * MariaDB, nova-compute-sim with BENCH_WORKERS_HOSTS simulated hosts, default
 * 200), boot-and-delete at concurrency 50, with each of nova-api,
 * nova-scheduler and nova-conductor run as N worker processes
 * ([DEFAULT] osapi_compute_workers, [scheduler] workers, [conductor] workers)
 * for each N of BENCH_WORKERS (default 1,2,3). Figures: boots/s, boot time
 * (POST → launched_at) median and p95, CPU per boot of each service (parent
 * and workers together). The database pools are shrunk as N grows so that all
 * workers together stay under MariaDB's 151 connections.
 * BENCH_WORKERS_ITERATIONS (default 200) boots per N, after 50 warm-up.
 * Writes bench/results/workers.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../test/support/cloud.ts';
import { ROOT } from '../test/support/procs.ts';
import { bootAndDelete, CONCURRENCY, cpuMs, POLL_MS, RESULTS, skipOrBuild, withSimCluster } from './scale-load.ts';
import { ms, percentile, printTable } from './stats.ts';

/** Database connections all the measured services' workers may hold together (MariaDB allows 151, shared with nova-manage and the rest). */
const DB_CONNECTIONS = 90;

/** A process and its children (a service's parent and its workers). */
function family(pid: number): number[] {
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...kids];
  } catch {
    return [pid];
  }
}

const SERVICES = ['api', 'scheduler-0', 'conductor'] as const;

interface Result {
  workers: number;
  hosts: number;
  iterations: number;
  max_pool_size: number;
  boots_per_sec: number;
  p50_ms: number;
  p95_ms: number;
  /** CPU time (user + system) per boot of each service, its parent and workers together. */
  cpu_ms_per_boot: Record<string, number>;
  /** Processes per service (the parent plus its workers; 1 with one worker). */
  processes: Record<string, number>;
  load_average: number[];
}

async function measure(workers: number, hosts: number, iterations: number): Promise<Result> {
  const pool = Math.max(5, Math.floor(DB_CONNECTIONS / (SERVICES.length * workers)));
  const conf = { DEFAULT: { osapi_compute_workers: workers }, scheduler: { workers }, conductor: { workers }, database: { max_pool_size: pool } };
  return withSimCluster(hosts, conf, async (cluster) => {
    const daemons = SERVICES.map((name) => {
      const d = cluster.daemons.find((x) => x.name === name);
      if (!d) throw new Error(`no ${name} in the cluster`);
      return d;
    });
    if (workers > 1) await Promise.all(daemons.map((d) => d.waitFor(/"msg":"all workers started"/, 120_000)));
    const api = new ApiClient(cluster.url);
    await bootAndDelete(api, CONCURRENCY, CONCURRENCY, 'wk'); // warm-up: connections, JIT, first claims (every worker's)
    const pids = daemons.map((d) => family(d.proc.pid as number));
    const cpu0 = pids.map((ps) => ps.reduce((a, p) => a + cpuMs(p), 0));
    const load = os.loadavg();
    const run = await bootAndDelete(api, iterations, CONCURRENCY, 'wk');
    const cpu1 = pids.map((ps) => ps.reduce((a, p) => a + cpuMs(p), 0));
    const s = [...run.bootMs].sort((a, b) => a - b);
    return {
      workers,
      hosts,
      iterations,
      max_pool_size: pool,
      boots_per_sec: Math.round((iterations / (run.wallMs / 1000)) * 100) / 100,
      p50_ms: percentile(s, 50),
      p95_ms: percentile(s, 95),
      cpu_ms_per_boot: Object.fromEntries(SERVICES.map((n, i) => [n.replace(/-0$/, ''), Math.round((((cpu1[i] as number) - (cpu0[i] as number)) / iterations) * 10) / 10])),
      processes: Object.fromEntries(SERVICES.map((n, i) => [n.replace(/-0$/, ''), (pids[i] as number[]).length])),
      load_average: [...load, ...os.loadavg()].map((x) => Math.round(x * 100) / 100),
    };
  });
}

export async function benchWorkers(): Promise<void> {
  if (await skipOrBuild('Workers')) return;
  const counts = (process.env.BENCH_WORKERS ?? '1,2,3').split(',').map(Number);
  const hosts = Number(process.env.BENCH_WORKERS_HOSTS ?? 200);
  const iterations = Number(process.env.BENCH_WORKERS_ITERATIONS ?? 200);
  const results: Result[] = [];
  for (const n of counts) {
    results.push(await measure(n, hosts, iterations));
    console.error(`workers ${n}: ${JSON.stringify(results.at(-1))}`);
  }
  printTable(
    `Boot-and-delete at concurrency ${CONCURRENCY} over ${hosts} simulated hosts with N workers each of nova-api, nova-scheduler and nova-conductor (${iterations} boots after ${CONCURRENCY} warm-up; ${os.cpus().length} cores)`,
    ['workers', 'boots/s', 'median', 'p95', 'CPU per boot api / scheduler / conductor', 'db pool per worker', 'load avg at start'],
    results.map((r) => [
      r.workers,
      r.boots_per_sec.toFixed(1),
      ms(r.p50_ms),
      ms(r.p95_ms),
      ['api', 'scheduler', 'conductor'].map((n) => ms(r.cpu_ms_per_boot[n] ?? 0)).join(' / '),
      r.max_pool_size,
      r.load_average.slice(0, 3).join(' / '),
    ]),
  );
  const meta = { date: new Date().toISOString(), cores: os.cpus().length, concurrency: CONCURRENCY, poll_ms: POLL_MS, hosts };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'workers.json'), `${JSON.stringify({ ...meta, results }, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(ROOT, RESULTS)}/workers.json`);
}
