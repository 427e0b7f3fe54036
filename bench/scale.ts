/**
 * Scale (npm run bench -- scale): a separate-process cloud over RabbitMQ and
 * MariaDB (nova-api, nova-scheduler, nova-conductor, and nova-compute-sim
 * with H simulated hosts), boot-and-delete at concurrency 50 (Rally's
 * boot_and_delete_server), for each H of BENCH_SCALE_HOSTS (default 200;
 * e.g. 100,1000). Figures: boot time POST → ACTIVE (launched_at) median,
 * p95, p99; boots/s; the scheduler's decision time (from its "scheduling
 * batch decided" log lines); RSS and CPU time per boot of each daemon.
 * Then the same number of boots paced as Rally paces them (a second after
 * the POST before the first look, a look every 2 s; scale-load.ts RALLY),
 * the load Nova's published figures were taken under: their boot times
 * from launched_at as above, and as the client saw them.
 * Writes bench/results/scale.json and bench/results/scale.svg.
 * BENCH_SCALE_ITERATIONS (default 300) boots per host count, after 50 warm-up.
 * Then the list part (scale-list.ts): BENCH_SCALE_SERVERS (default 10,000)
 * servers, GET /servers/detail?limit=1000 and paging through them all, over
 * MariaDB and the embedded SQLite. BENCH_SCALE_PARTS (default boot,list)
 * picks the parts; a part not run keeps its figures of the last run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../test/support/cloud.ts';
import type { Cluster } from '../test/support/cluster.ts';
import { ROOT } from '../test/support/procs.ts';
import { type ScalePoint, scaleChart } from './scale-chart.ts';
import type { DecisionBar, WorkersBar } from './scale-chart-more.ts';
import { type ListFigures, listOverMariaDB, listOverSqlite } from './scale-list.ts';
import { bootAndDelete, bootAndDeletePaced, CONCURRENCY, cpuMs, POLL_MS, RALLY, RESULTS, skipOrBuild, withSimCluster } from './scale-load.ts';
import { type StatementFigures, statementSnapshot, statementsPerBoot } from './scale-statements.ts';
import { ms, percentile, printTable } from './stats.ts';

/**
 * The database and message broker servers on this machine (their CPU is
 * part of a boot too, but they also serve whatever else runs here) and
 * this process, the bench's client.
 */
function backendPids(): { name: string; pid: number }[] {
  const out = [{ name: 'bench client', pid: process.pid }];
  for (const [name, exe] of [
    ['mariadb (shared)', 'mariadbd'],
    ['mariadb (shared)', 'mysqld'],
    ['rabbitmq (shared)', 'beam.smp'],
  ] as const) {
    try {
      const pid = Number(execFileSync('pgrep', ['-x', '-o', exe], { encoding: 'utf8' }).trim());
      if (pid && !out.some((p) => p.name === name)) out.push({ name, pid });
    } catch {
      // not running here (a remote server): left out
    }
  }
  return out;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** The scheduler's decision per request: the batch's host-state read plus filters, weighers and claim of one request. */
function schedulerDecisions(cluster: Cluster, from: Map<string, number>): { perRequestMs: number[]; loadMs: number[]; placeMs: number[]; batch: number[] } {
  const out = { perRequestMs: [] as number[], loadMs: [] as number[], placeMs: [] as number[], batch: [] as number[] };
  for (const d of cluster.daemons.filter((x) => x.name.startsWith('scheduler-'))) {
    for (const line of d.output.slice(from.get(d.name) ?? 0)) {
      if (!line.includes('scheduling batch decided')) continue;
      const r = JSON.parse(line) as { requests: number; load_ms: number; place_ms: number };
      out.perRequestMs.push(r.load_ms + r.place_ms);
      out.loadMs.push(r.load_ms);
      out.placeMs.push(r.place_ms);
      out.batch.push(r.requests);
    }
  }
  return out;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

interface DaemonFigures {
  name: string;
  rss_mib: number;
  cpu_ms_per_boot: number;
}

interface Result extends ScalePoint {
  iterations: number;
  hosts_used: number;
  p50_ms: number;
  scheduler: { decision_p50_ms: number; decision_p95_ms: number; load_mean_ms: number; place_mean_ms: number; mean_batch: number };
  sim: { rss_mib: number; rss_per_host_kib: number; start_line: string };
  daemons: DaemonFigures[];
  /** Database statements per boot-and-delete, per daemon with a database. */
  statements: StatementFigures[];
  load_average: number[];
  paced?: PacedFigures;
}

/** The same boots paced as Rally paces them (scale-load.ts RALLY), after the closed loop, on the same cloud. */
export interface PacedFigures {
  p50: number;
  p95: number;
  p99: number;
  /** POST → the GET that saw ACTIVE (Rally's nova.boot_server), median and p95. */
  observed_p50: number;
  observed_p95: number;
  boots_per_sec: number;
  gets_per_boot: number;
}

async function measure(hostCount: number, iterations: number): Promise<Result> {
  return withSimCluster(hostCount, { database: { max_pool_size: 30 } }, async (cluster) => {
    const api = new ApiClient(cluster.url);
    await bootAndDelete(api, CONCURRENCY, CONCURRENCY, 'scale'); // warm-up: connections, JIT, first claims
    const pids = [...cluster.daemons.map((d) => ({ name: d.name, pid: d.proc.pid as number })), ...backendPids()];
    const cpu0 = pids.map((p) => cpuMs(p.pid));
    const logFrom = new Map(cluster.daemons.map((d) => [d.name, d.output.length]));
    const load = os.loadavg();
    const st0 = await statementSnapshot(cluster);
    const run = await bootAndDelete(api, iterations, CONCURRENCY, 'scale');
    const cpu1 = pids.map((p) => cpuMs(p.pid));
    const st1 = await statementSnapshot(cluster);
    const paced = await bootAndDeletePaced(api, iterations, CONCURRENCY, 'paced');
    const ps = sorted(paced.bootMs);
    const po = sorted(paced.observedMs);
    const s = sorted(run.bootMs);
    const sched = schedulerDecisions(cluster, logFrom);
    const sim = cluster.daemons.find((d) => d.name === 'compute-sim');
    const simRss = rssMiB(sim?.proc.pid as number);
    return {
      hosts: hostCount,
      iterations,
      hosts_used: run.hosts.size,
      p50: percentile(s, 50),
      p50_ms: percentile(s, 50),
      p95: percentile(s, 95),
      p99: percentile(s, 99),
      bootsPerSec: iterations / (run.wallMs / 1000),
      schedulerMs: percentile(sorted(sched.perRequestMs), 50),
      scheduler: {
        decision_p50_ms: percentile(sorted(sched.perRequestMs), 50),
        decision_p95_ms: percentile(sorted(sched.perRequestMs), 95),
        load_mean_ms: mean(sched.loadMs),
        place_mean_ms: mean(sched.placeMs),
        mean_batch: mean(sched.batch),
      },
      sim: { rss_mib: simRss, rss_per_host_kib: (simRss * 1024) / hostCount, start_line: sim?.output.find((l) => l.startsWith('nova-compute-sim:')) ?? '' },
      daemons: pids.map((p, i) => ({ name: p.name, rss_mib: rssMiB(p.pid), cpu_ms_per_boot: ((cpu1[i] as number) - (cpu0[i] as number)) / iterations })),
      statements: statementsPerBoot(st0, st1, iterations),
      load_average: [...load, ...os.loadavg()].map((x) => Math.round(x * 100) / 100),
      paced: {
        p50: percentile(ps, 50),
        p95: percentile(ps, 95),
        p99: percentile(ps, 99),
        observed_p50: percentile(po, 50),
        observed_p95: percentile(po, 95),
        boots_per_sec: iterations / (paced.wallMs / 1000),
        gets_per_boot: paced.gets / iterations,
      },
    };
  });
}

export async function benchScale(): Promise<void> {
  if (process.env.BENCH_SCALE_REDRAW === '1') return drawChart();
  if (await skipOrBuild('Scale')) return;
  const parts = new Set((process.env.BENCH_SCALE_PARTS ?? 'boot,list').split(','));
  const file = path.join(RESULTS, 'scale.json');
  const previous = (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {}) as Partial<ScaleFile>;
  const results = parts.has('boot') ? await bootPart() : (previous.results ?? []);
  const list = parts.has('list') ? await listPart() : (previous.list ?? []);
  const meta = { date: new Date().toISOString(), cores: os.cpus().length, concurrency: CONCURRENCY, poll_ms: POLL_MS, nova_rally: { hosts: 1000, median_ms: 6200, p95_ms: 8000 } };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...meta, results, list }, null, 2)}\n`);
  drawChart();
  console.log(`\nwrote ${path.relative(ROOT, RESULTS)}/scale.json and scale.svg`);
}

interface ScaleFile {
  date: string;
  cores: number;
  results: Result[];
  list: ListFigures[];
}

async function bootPart(): Promise<Result[]> {
  const hostCounts = (process.env.BENCH_SCALE_HOSTS ?? '200').split(',').map(Number);
  const iterations = Number(process.env.BENCH_SCALE_ITERATIONS ?? 300);
  const results: Result[] = [];
  for (const h of hostCounts) results.push(await measure(h, iterations));
  printTable(
    `Boot-and-delete at concurrency ${CONCURRENCY} (POST to ACTIVE = POST sent to launched_at; ${iterations} boots after ${CONCURRENCY} warm-up; ${os.cpus().length} cores)`,
    ['hosts', 'median', 'p95', 'p99', 'boots/s', 'hosts used', 'scheduler decision p50/p95', 'sim RSS per host', 'load avg (1/5/15 min) at start'],
    [
      ...results.map((r) => [
        r.hosts,
        ms(r.p50),
        ms(r.p95),
        ms(r.p99),
        r.bootsPerSec.toFixed(1),
        r.hosts_used,
        `${ms(r.scheduler.decision_p50_ms)} / ${ms(r.scheduler.decision_p95_ms)}`,
        `${r.sim.rss_per_host_kib.toFixed(0)} KiB`,
        r.load_average.slice(0, 3).join(' / '),
      ]),
      ['Nova, Rally: 1000', '6200 ms', '8000 ms', '', '', '', '', '', ''],
    ],
  );
  printTable(
    `The same, paced as Rally paces it (${RALLY.bootPrepollMs / 1000} s before the first GET of a boot, then every ${RALLY.bootPollMs / 1000} s; a delete's GET at once, then every ${RALLY.deletePollMs / 1000} s): the load of Nova's published run`,
    ['hosts', 'median', 'p95', 'p99', "POST → ACTIVE seen by the client, median / p95 (Rally's nova.boot_server)", 'boots/s', 'GETs per boot'],
    [
      ...results.flatMap((r) =>
        r.paced
          ? [
              [
                r.hosts,
                ms(r.paced.p50),
                ms(r.paced.p95),
                ms(r.paced.p99),
                `${ms(r.paced.observed_p50)} / ${ms(r.paced.observed_p95)}`,
                r.paced.boots_per_sec.toFixed(1),
                r.paced.gets_per_boot.toFixed(2),
              ],
            ]
          : [],
      ),
      ['Nova, Rally: 1000', '', '', '', '6200 ms / 8000 ms', '', ''],
    ],
  );
  const names = [...new Set(results.flatMap((r) => r.daemons.map((d) => d.name)))];
  printTable(
    'Per daemon: RSS after the run, CPU time (user + system) per boot',
    ['hosts', ...names.map((n) => `${n} RSS / CPU per boot`)],
    results.map((r) => [r.hosts, ...names.map((n) => r.daemons.find((d) => d.name === n)).map((d) => (d ? `${d.rss_mib.toFixed(0)} MiB / ${ms(d.cpu_ms_per_boot)}` : ''))]),
  );
  printTable(
    "Database statements per boot-and-delete (the watcher's polling included in the API's), and the commonest kinds",
    ['hosts', 'daemon', 'per boot', 'commonest (per boot)'],
    results.flatMap((r) =>
      (r.statements ?? []).map((st) => [
        r.hosts,
        st.daemon,
        st.per_boot.toFixed(1),
        Object.entries(st.top)
          .slice(0, 6)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ]),
    ),
  );
  return results;
}

async function listPart(): Promise<ListFigures[]> {
  const servers = Number(process.env.BENCH_SCALE_SERVERS ?? 10_000);
  const repeat = Number(process.env.BENCH_SCALE_LIST_REPEAT ?? 20);
  const list = [await listOverMariaDB(servers, repeat), await listOverSqlite(servers, repeat)];
  printTable(
    `GET /servers/detail?limit=1000 with ${servers.toLocaleString('en')} servers (${repeat} requests; body read whole), and paging through all of them`,
    ['database', 'detail p50', 'detail p95', 'brief p50', 'page body', 'paging all', 'pages', 'page p50 / p95', 'fixture'],
    list.map((l) => [
      l.backend === 'mariadb' ? 'MariaDB (separate nova-api)' : 'SQLite (embedded, in this process)',
      ms(l.detail_p50_ms),
      ms(l.detail_p95_ms),
      ms(l.brief_p50_ms),
      `${(l.body_kib / 1024).toFixed(2)} MiB`,
      ms(l.paging_total_ms),
      l.pages,
      `${ms(l.page_p50_ms)} / ${ms(l.page_p95_ms)}`,
      `${l.fixture_s.toFixed(1)} s`,
    ]),
  );
  return list;
}

/** The other scale benches' results, when they have been run: bench/results/scheduler.json and workers.json. */
function readResults<T>(name: string): T | null {
  const file = path.join(RESULTS, name);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : null;
}

function decisionBars(): DecisionBar[] {
  const r = readResults<{ results: Record<string, { hosts: number; serial: { p50: number; p95: number } }[]> }>('scheduler.json');
  return Object.entries(r?.results ?? {}).flatMap(([backend, rows]) =>
    rows.map((x) => ({ backend: backend === 'mariadb' ? 'MariaDB' : 'SQLite', hosts: x.hosts, p50: x.serial.p50, p95: x.serial.p95 })),
  );
}

function workerBars(): WorkersBar[] {
  return readResults<{ results: WorkersBar[] }>('workers.json')?.results ?? [];
}

/** bench/results/scale.svg from bench/results/scale.json (BENCH_SCALE_REDRAW=1 redraws it without running anything). */
function drawChart(): void {
  const { date, cores, results, list } = JSON.parse(fs.readFileSync(path.join(RESULTS, 'scale.json'), 'utf8')) as ScaleFile;
  const load = results[0]?.load_average.slice(0, 3).join(' / ') ?? '';
  const subtitle = `nova-ts, RabbitMQ + MariaDB, separate processes, fake driver (nova-compute-sim); ${cores} cores, load average ${load} (other work); ${date.slice(0, 10)}`;
  // The statements and CPU of the largest host count's run.
  const last = [...results].sort((a, b) => a.hosts - b.hosts).at(-1);
  const daemons = (last?.statements ?? []).map((st) => ({
    daemon: `${st.daemon} (${last?.hosts} hosts)`,
    statements_per_boot: st.per_boot,
    cpu_ms_per_boot: last?.daemons.find((d) => d.name === st.daemon)?.cpu_ms_per_boot ?? 0,
  }));
  const bars = (list ?? []).map((l) => ({ ...l, backend: l.backend === 'mariadb' ? 'MariaDB' : 'SQLite' }));
  fs.writeFileSync(path.join(RESULTS, 'scale.svg'), scaleChart(results, subtitle, bars, daemons, { decisions: decisionBars(), workers: workerBars() }));
}
