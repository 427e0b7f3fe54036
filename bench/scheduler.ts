/**
 * npm run bench -- scheduler: nova-scheduler's decision time (filters,
 * weighers and the claim in the database) at 100, 1,000 and 5,000 hosts.
 * The real SchedulerManager runs against a real database — embedded SQLite
 * and, when one answers, MariaDB — holding realistic compute nodes (a libvirt
 * cpu_info with its feature list, reserved memory, allocation ratios, a
 * zoned aggregate) with servers already on them, and their nova-compute
 * services heart-beating (a tenth of them per second). No message bus, API or compute service: the
 * request specs go straight to select_destinations.
 *
 * Per size: single requests one after another (a decision each: p50/p95),
 * then bursts of 50 concurrent requests (the batch path) and a compute node
 * reporting new inventory between decisions (an incremental update).
 * Writes bench/results/scheduler.json.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { ComputeAPI } from '../src/compute/rpc-types.ts';
import { loadConfig } from '../src/conf/loader.ts';
import { adminContext } from '../src/context.ts';
import { DbApi } from '../src/db/api/index.ts';
import { openDatabase } from '../src/db/connection.ts';
import { syncSchema } from '../src/db/migrate.ts';
import { dbTime } from '../src/db/time.ts';
import { silentLogger } from '../src/log.ts';
import type { RequestSpec } from '../src/objects/request-spec.ts';
import { fakeSpec } from '../src/scheduler/filters/testing.ts';
import { SchedulerManager } from '../src/scheduler/manager.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, uniqueName } from '../test/support/backends.ts';
import { percentile, printTable } from './stats.ts';

const SIZES = (process.env.NOVA_BENCH_SCHED_HOSTS ?? '100,1000,5000').split(',').map(Number);
const REQUESTS = Number(process.env.NOVA_BENCH_SCHED_REQUESTS ?? 200);
const SERVERS_PER_HOST = 4;
const ROWS = 400;

const FEATURES =
  'pge avx clflush sep syscall vme msr xsave cmov fpu pat lm tsc nx fxsr sse4.1 sse4.2 pae mmx cx8 mce de aes rdtscp ht pse lahf_lm popcnt mca pdpe1gb apic sse pni ssse3 x2apic avx2 fma bmi1 bmi2 erms invpcid smep'.split(
    ' ',
  );
const CPU_INFO = JSON.stringify({ arch: 'x86_64', model: 'Skylake-Server-IBRS', vendor: 'Intel', topology: { cells: 2, sockets: 1, cores: 16, threads: 2 }, features: FEATURES });

const FLAVORS = [
  { id: 1, flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1 },
  { id: 2, flavorid: '2', name: 'm1.small', memory_mb: 2048, vcpus: 1, root_gb: 20 },
  { id: 3, flavorid: '3', name: 'm1.medium', memory_mb: 4096, vcpus: 2, root_gb: 40 },
];

/** A request for one server of the i-th flavor; every fourth image asks for x86_64. */
function spec(i: number, uuid: string = randomUUID()): RequestSpec {
  return fakeSpec({
    instance_uuids: [uuid],
    project_id: 'bench',
    user_id: 'bench',
    flavor: FLAVORS[i % FLAVORS.length],
    image: { properties: i % 4 === 0 ? { hw_architecture: 'x86_64' } : {} },
  });
}

async function inRows<T>(rows: T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS) await write(rows.slice(i, i + ROWS));
}

/** `hosts` nova-compute services (heart-beating now) with one compute node each, SERVERS_PER_HOST servers claimed on each, and a zone of 10% of them. */
async function populate(db: DbApi, hosts: number): Promise<void> {
  const k = db.db.kysely;
  const now = dbTime();
  const names = Array.from({ length: hosts }, (_, i) => `cmp-${String(i).padStart(5, '0')}`);
  await inRows(names, (c) =>
    k
      .insertInto('services')
      .values(
        c.map((host) => ({
          uuid: randomUUID(),
          host,
          binary: 'nova-compute',
          topic: 'compute',
          disabled: 0,
          forced_down: 0,
          last_seen_up: now,
          created_at: now,
          updated_at: now,
          version: 1,
        })),
      )
      .execute(),
  );
  const services = new Map((await db.services.list({ binary: 'nova-compute' })).map((s) => [s.host, s.id]));
  await inRows(names, (c) =>
    k
      .insertInto('compute_nodes')
      .values(
        c.map((host) => ({
          uuid: randomUUID(),
          service_id: services.get(host) ?? null,
          host,
          hypervisor_hostname: `${host}.example.org`,
          hypervisor_type: 'QEMU',
          hypervisor_version: 8002000,
          cpu_info: CPU_INFO,
          host_ip: '10.0.0.1',
          vcpus: 64,
          memory_mb: 262144,
          local_gb: 2000,
          reserved_memory_mb: 512,
          cpu_allocation_ratio: 4,
          ram_allocation_ratio: 1,
          disk_allocation_ratio: 1,
          stats: '{}',
          created_at: now,
          updated_at: now,
        })),
      )
      .execute(),
  );
  const nodes = await db.computeNodes.list();
  const allocs = nodes.flatMap((n, i) =>
    Array.from({ length: SERVERS_PER_HOST }, (_, j) => {
      const f = FLAVORS[(i + j) % FLAVORS.length]!;
      return { consumer_uuid: randomUUID(), compute_node_id: n.id, vcpus: f.vcpus, memory_mb: f.memory_mb, disk_gb: f.root_gb, created_at: now };
    }),
  );
  await inRows(allocs, (c) => k.insertInto('allocations').values(c).execute());
  const byNode = new Map<number, typeof allocs>();
  for (const a of allocs) byNode.set(a.compute_node_id, [...(byNode.get(a.compute_node_id) ?? []), a]);
  for (const n of nodes) {
    const mine = byNode.get(n.id) ?? [];
    const sum = (key: 'vcpus' | 'memory_mb' | 'disk_gb') => mine.reduce((s, a) => s + a[key], 0);
    await k
      .updateTable('compute_nodes')
      .set({ vcpus_used: sum('vcpus'), memory_mb_used: sum('memory_mb'), local_gb_used: sum('disk_gb'), running_vms: mine.length })
      .where('id', '=', n.id)
      .execute();
  }
  const agg = await db.aggregates.create('edge', { availability_zone: 'edge' });
  for (const host of names.filter((_, i) => i % 10 === 0)) await db.aggregates.addHost(agg.id, host);
}

const noCompute = {} as ComputeAPI;

interface SizeResult {
  hosts: number;
  serial: { p50: number; p95: number; max: number };
  burst: { requests: number; total_ms: number; per_request_ms: number };
  with_updates: { p50: number; p95: number };
  load_ms: { p50: number; p95: number };
  place_ms: { p50: number; p95: number };
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const pct = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: r2(percentile(s, 50)), p95: r2(percentile(s, 95)), max: r2(s.at(-1) ?? Number.NaN) };
};

async function measureSize(connection: string, hosts: number): Promise<SizeResult> {
  const db = new DbApi(await openDatabase(connection, { createDatabase: true, maxPoolSize: 5 }));
  try {
    await syncSchema(db.db);
    await populate(db, hosts);
    const conf = loadConfig({ overrides: { DEFAULT: { service_down_time: '600' } } });
    const batches: { load: number; place: number }[] = [];
    const log = silentLogger();
    log.info = ((obj: unknown, msg?: string) => {
      if (msg === 'scheduling batch decided' && obj && typeof obj === 'object') {
        const o = obj as { load_ms: number; place_ms: number };
        batches.push({ load: o.load_ms, place: o.place_ms });
      }
    }) as typeof log.info;
    // The last heartbeats spread over the last report_interval (10 s), as a running cloud has them.
    for (let k = 0; k < 10; k++) {
      const beat = dbTime(new Date(Date.now() - k * 1000));
      await db.db.kysely.updateTable('services').set({ last_seen_up: beat, updated_at: beat }).where(sql<boolean>`id % 10 = ${k}`).execute();
    }
    const sched = new SchedulerManager({ conf, db, compute: noCompute, log });
    // Every nova-compute heart-beats every report_interval (10 s): a tenth of them per second, in ten writes.
    const ids = (await db.services.list({ binary: 'nova-compute' })).map((s) => s.id);
    let beat = 0;
    const perTick = Math.max(1, Math.round(ids.length / 100));
    const heartbeats = setInterval(() => {
      const chunk = Array.from({ length: perTick }, () => ids[beat++ % ids.length] as number);
      const now = dbTime();
      void db.db.kysely
        .updateTable('services')
        .set((eb) => ({ report_count: eb('report_count', '+', 1), last_seen_up: now, updated_at: now }))
        .where('id', 'in', chunk)
        .execute();
    }, 100);
    const ctx = adminContext();
    for (let i = 0; i < 10; i++) await sched.select_destinations(ctx, { request_spec: spec(i) }); // warm-up
    batches.length = 0;

    const serial: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      await sched.select_destinations(ctx, { request_spec: spec(i) });
      serial.push(performance.now() - t0);
    }
    const loads = batches.map((b) => b.load);
    const places = batches.map((b) => b.place);

    const BURST = 50;
    const t1 = performance.now();
    await Promise.all(Array.from({ length: BURST }, (_, i) => sched.select_destinations(ctx, { request_spec: spec(i) })));
    const burstMs = performance.now() - t1;

    // A compute node reports new inventory between two decisions (as update_available_resource does).
    const nodes = await db.computeNodes.list();
    const updated: number[] = [];
    for (let i = 0; i < Math.min(REQUESTS, 100); i++) {
      const n = nodes[(i * 7919) % nodes.length]!;
      await db.computeNodes.upsertInventory(n.host, n.service_id, {
        hypervisor_hostname: n.hypervisor_hostname,
        hypervisor_type: n.hypervisor_type,
        hypervisor_version: n.hypervisor_version,
        cpu_info: n.cpu_info,
        host_ip: n.host_ip,
        vcpus: n.vcpus,
        memory_mb: n.memory_mb,
        local_gb: n.local_gb,
        reserved_vcpus: n.reserved_vcpus,
        reserved_memory_mb: n.reserved_memory_mb,
        reserved_disk_gb: n.reserved_disk_gb,
        disk_available_least: n.disk_available_least,
        current_workload: n.current_workload,
        cpu_allocation_ratio: n.cpu_allocation_ratio,
        ram_allocation_ratio: n.ram_allocation_ratio,
        disk_allocation_ratio: n.disk_allocation_ratio,
      });
      const t0 = performance.now();
      await sched.select_destinations(ctx, { request_spec: spec(i) });
      updated.push(performance.now() - t0);
    }
    clearInterval(heartbeats);
    const s = pct(serial);
    const u = pct(updated);
    const l = pct(loads);
    const p = pct(places);
    return {
      hosts,
      serial: s,
      burst: { requests: BURST, total_ms: r2(burstMs), per_request_ms: r2(burstMs / BURST) },
      with_updates: { p50: u.p50, p95: u.p95 },
      load_ms: { p50: l.p50, p95: l.p95 },
      place_ms: { p50: p.p50, p95: p.p95 },
    };
  } finally {
    await db.db.close();
  }
}

async function backends(): Promise<{ name: string; connection: (hosts: number) => { url: string; drop: () => Promise<void> } }[]> {
  const out: { name: string; connection: (hosts: number) => { url: string; drop: () => Promise<void> } }[] = [
    {
      name: 'sqlite',
      connection: () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-bench-sched-'));
        return { url: `sqlite:///${path.join(dir, 'nova.sqlite')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
      },
    },
  ];
  if (process.env.NOVA_BENCH_SCHED_DB === 'sqlite') return out;
  const skip = await mysqlSkip();
  if (skip) console.log(`scheduler bench: MariaDB skipped (${skip})`);
  else
    out.push({
      name: 'mariadb',
      connection: () => {
        const name = uniqueName('bench_sched');
        return { url: mysqlUrl(name), drop: () => dropMysqlDatabase(name) };
      },
    });
  return out;
}

export async function benchScheduler(): Promise<void> {
  const results: Record<string, SizeResult[]> = {};
  for (const b of await backends()) {
    results[b.name] = [];
    for (const hosts of SIZES) {
      const c = b.connection(hosts);
      try {
        results[b.name]!.push(await measureSize(c.url, hosts));
      } finally {
        await c.drop();
      }
    }
    printTable(
      `scheduler decision time (${b.name}, ${REQUESTS} single requests one after another, ${SERVERS_PER_HOST} servers per host)`,
      ['hosts', 'p50', 'p95', 'max', 'after an inventory update p50/p95', 'burst of 50: per request', 'batch load p50', 'place p50'],
      results[b.name]!.map((r) => [
        r.hosts,
        `${r.serial.p50} ms`,
        `${r.serial.p95} ms`,
        `${r.serial.max} ms`,
        `${r.with_updates.p50} / ${r.with_updates.p95} ms`,
        `${r.burst.per_request_ms} ms`,
        `${r.load_ms.p50} ms`,
        `${r.place_ms.p50} ms`,
      ]),
    );
  }
  const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'scheduler.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), requests: REQUESTS, servers_per_host: SERVERS_PER_HOST, results }, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
