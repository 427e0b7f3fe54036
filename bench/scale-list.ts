/**
 * The list part of the scale bench: 10,000 servers (BENCH_SCALE_SERVERS),
 * then `GET /servers/detail?limit=1000` (median and p95 of
 * BENCH_SCALE_LIST_REPEAT requests, the whole body read) and paging
 * through all of them with markers, against the real nova-api over MariaDB
 * (separate processes, as bench/scale.ts runs them) and over the embedded
 * SQLite (the all-in-one cloud in this process). The servers are a few real
 * boots copied in the database (scale-fixture.ts).
 */
import fs from 'node:fs';
import { openDatabase } from '../src/db/connection.ts';
import { ApiClient, startCloud } from '../test/support/cloud.ts';
import { startCluster } from '../test/support/cluster.ts';
import { cloneServers } from './scale-fixture.ts';
import { percentile } from './stats.ts';

const TEMPLATES = 10;
const LIMIT = 1000;

export interface ListFigures {
  backend: 'mariadb' | 'sqlite';
  servers: number;
  fixture_s: number;
  /** GET /servers/detail?limit=1000, the first page. */
  detail_p50_ms: number;
  detail_p95_ms: number;
  /** GET /servers?limit=1000 (ids, names and links only). */
  brief_p50_ms: number;
  body_kib: number;
  /** Paging through every server with ?limit=1000&marker=… */
  paging_total_ms: number;
  pages: number;
  page_p50_ms: number;
  page_p95_ms: number;
}

async function timedGet(api: ApiClient, path: string): Promise<{ ms: number; body: { servers: { id: string }[] }; bytes: number }> {
  const t0 = performance.now();
  const r = await fetch(`${api.base}/v2.1${path}`, { headers: { 'X-Auth-Token': api.token, Accept: 'application/json' } });
  const text = await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${text.slice(0, 300)}`);
  return { ms, body: JSON.parse(text) as { servers: { id: string }[] }, bytes: text.length };
}

async function bootTemplates(api: ApiClient): Promise<string[]> {
  const ids = await Promise.all(Array.from({ length: TEMPLATES }, (_, i) => api.boot(`tmpl-${i}`, { metadata: { role: 'scale', n: String(i) } })));
  for (const id of ids) await api.waitFor(id, ['ACTIVE'], 120_000);
  return ids;
}

async function measureList(backend: ListFigures['backend'], api: ApiClient, fixtureMs: number, servers: number, repeat: number): Promise<ListFigures> {
  const s = (xs: number[]) => [...xs].sort((a, b) => a - b);
  for (let i = 0; i < 3; i++) await timedGet(api, `/servers/detail?limit=${LIMIT}`); // warm-up: JIT, caches
  const detail: number[] = [];
  let bytes = 0;
  for (let i = 0; i < repeat; i++) {
    const r = await timedGet(api, `/servers/detail?limit=${LIMIT}`);
    detail.push(r.ms);
    bytes = r.bytes;
  }
  const brief: number[] = [];
  for (let i = 0; i < repeat; i++) brief.push((await timedGet(api, `/servers?limit=${LIMIT}`)).ms);
  const pages: number[] = [];
  let seen = 0;
  let marker: string | undefined;
  const t0 = performance.now();
  for (;;) {
    const r = await timedGet(api, `/servers/detail?limit=${LIMIT}${marker ? `&marker=${marker}` : ''}`);
    pages.push(r.ms);
    seen += r.body.servers.length;
    marker = r.body.servers.at(-1)?.id;
    if (r.body.servers.length < LIMIT) break;
  }
  const total = performance.now() - t0;
  if (seen !== servers) throw new Error(`paging saw ${seen} servers, expected ${servers}`);
  return {
    backend,
    servers,
    fixture_s: fixtureMs / 1000,
    detail_p50_ms: percentile(s(detail), 50),
    detail_p95_ms: percentile(s(detail), 95),
    brief_p50_ms: percentile(s(brief), 50),
    body_kib: bytes / 1024,
    paging_total_ms: total,
    pages: pages.length,
    page_p50_ms: percentile(s(pages), 50),
    page_p95_ms: percentile(s(pages), 95),
  };
}

/** The list figures over MariaDB: nova-api, nova-conductor, nova-scheduler and a 10-host nova-compute-sim as separate processes. */
export async function listOverMariaDB(servers: number, repeat: number): Promise<ListFigures> {
  const cluster = await startCluster({
    computes: [],
    sim: { hosts: 10 },
    conf: { fake: { memory_mb: 10000000, vcpus: 1000000, local_gb: 10000000 }, DEFAULT: { report_interval: 10, service_down_time: 60 } },
  });
  try {
    const api = new ApiClient(cluster.url);
    const templates = await bootTemplates(api);
    const connection = /^connection = (.*)$/m.exec(fs.readFileSync(cluster.confFile, 'utf8'))?.[1];
    if (!connection) throw new Error(`no [database] connection in ${cluster.confFile}`);
    const db = await openDatabase(connection, { maxPoolSize: 2 });
    const t0 = performance.now();
    try {
      await cloneServers(db.kysely, templates, servers - templates.length, 'list-');
    } finally {
      await db.close();
    }
    return await measureList('mariadb', api, performance.now() - t0, servers, repeat);
  } finally {
    await cluster.stop();
  }
}

/** The list figures over the embedded SQLite: the whole cloud in this process (the API's time includes the bench's own client). */
export async function listOverSqlite(servers: number, repeat: number): Promise<ListFigures> {
  const cloud = await startCloud({ overrides: { fake: { memory_mb: '10000000', vcpus: '1000000', local_gb: '10000000' } } });
  try {
    const api = new ApiClient(cloud.url);
    const templates = await bootTemplates(api);
    const t0 = performance.now();
    await cloneServers(cloud.db.db.kysely, templates, servers - templates.length, 'list-');
    return await measureList('sqlite', api, performance.now() - t0, servers, repeat);
  } finally {
    await cloud.stop();
  }
}
