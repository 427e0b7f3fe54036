/**
 * Networking figures: the network service's port creation rate (POST
 * /v2.0/ports over HTTP to nova-network's API in this process, noauth2, on
 * SQLite and on MariaDB), sequential and concurrent, checking that no IP
 * was handed out twice; and server boots with the fake driver (embedded
 * cloud, 10 computes, the network service beside it as
 * test/functional/server-networks.test.ts wires it, its events sent to
 * nova; and separate processes over RabbitMQ and MariaDB with nova-network
 * as its own process) with networks 'none' against a network (a port
 * created, bound and shown in the addresses).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { novaEventsFromConfig } from '../src/cmd/nova-events.ts';
import { loadConfig } from '../src/conf/loader.ts';
import { silentLogger } from '../src/log.ts';
import type { SendNovaEvents } from '../src/network/nova-notifier.ts';
import { ALICE, type Json, startNetworkApi } from '../test/functional/network-harness.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, rabbitSkip, uniqueName } from '../test/support/backends.ts';
import { ApiClient, startCloud } from '../test/support/cloud.ts';
import { startCluster } from '../test/support/cluster.ts';
import { type Binary, Daemon, freePort, ROOT } from '../test/support/procs.ts';
import { ms, printTable, summary } from './stats.ts';

const PORTS = 200;
const CONCURRENCY = 20;
const CAPACITY = { fake: { memory_mb: '1000000', vcpus: '100000', local_gb: '1000000' } };

async function post(url: string, body: unknown): Promise<Json> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': ALICE }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Json;
}

/** n ports created with `concurrency` clients; per-request latencies, the wall time and the addresses given. */
async function createPorts(base: string, networkId: string, n: number, concurrency: number): Promise<{ totalMs: number; samples: number[]; ips: string[]; ids: string[] }> {
  const samples: number[] = [];
  const ips: string[] = [];
  const ids: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        const { port } = await post(`${base}/v2.0/ports`, { port: { network_id: networkId, name: `bench-${i}` } });
        samples.push(performance.now() - t);
        ids.push(port.id as string);
        for (const f of port.fixed_ips as { ip_address: string }[]) ips.push(f.ip_address);
      }
    }),
  );
  return { totalMs: performance.now() - t0, samples, ips, ids };
}

async function portRows(label: string, connection?: string): Promise<(string | number)[][]> {
  const net = await startNetworkApi({}, connection);
  try {
    const base = await net.listen();
    const network = await net.create('networks', 'network', { name: 'bench' });
    await net.create('subnets', 'subnet', { network_id: network.id, cidr: '10.128.0.0/16', ip_version: 4 });
    const rows: (string | number)[][] = [];
    for (const concurrency of [1, CONCURRENCY]) {
      const r = await createPorts(base, network.id as string, PORTS, concurrency);
      if (new Set(r.ips).size !== PORTS) throw new Error(`${label}: ${PORTS} ports got ${new Set(r.ips).size} distinct addresses of ${r.ips.length}`);
      const s = summary(r.samples);
      rows.push([label, concurrency === 1 ? 'sequential' : `concurrency ${concurrency}`, PORTS, (PORTS / (r.totalMs / 1000)).toFixed(0), ms(s.p50), ms(s.p99)]);
      for (const id of r.ids) await net.call('DELETE', `/v2.0/ports/${id}`);
    }
    return rows;
  } finally {
    await net.close();
  }
}

/** Boot n servers (concurrency c) with `networks`; POST sent to launched_at per server, and the wall time to all ACTIVE. */
async function bootAll(api: ApiClient, n: number, networks: unknown): Promise<{ totalMs: number; perServerMs: number[] }> {
  const started = new Map<string, number>();
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const before = Date.now();
      started.set(await api.boot(`nbench-${i}`, { networks }), before);
    }),
  );
  const launched = new Map<string, number>();
  while (launched.size < n) {
    const r = await api.get<{ servers: { id: string; addresses: Json; 'OS-SRV-USG:launched_at': string | null }[] }>('/servers/detail?limit=1000&status=ACTIVE&name=^nbench-');
    for (const s of r.body.servers) {
      if (!s['OS-SRV-USG:launched_at'] || launched.has(s.id)) continue;
      if (networks !== 'none' && Object.keys(s.addresses).length === 0) throw new Error(`server ${s.id} is ACTIVE without an address`);
      launched.set(s.id, Date.parse(`${s['OS-SRV-USG:launched_at']}Z`));
    }
    const errors = await api.get<{ servers: { fault?: { message: string } }[] }>('/servers/detail?status=ERROR&name=^nbench-');
    if (errors.body.servers.length) throw new Error(`${errors.body.servers.length} boots failed: ${errors.body.servers[0]?.fault?.message}`);
    if (launched.size < n) await sleep(20);
  }
  return { totalMs: Math.max(...launched.values()) - t0, perServerMs: [...launched].map(([id, t]) => t - (started.get(id) ?? t0)) };
}

async function deleteAll(api: ApiClient): Promise<void> {
  for (;;) {
    const r = await api.get<{ servers: { id: string }[] }>('/servers?limit=1000');
    if (r.body.servers.length === 0) return;
    await Promise.all(r.body.servers.map((s) => api.delete(`/servers/${s.id}`)));
    await sleep(100);
  }
}

/** 10 single boots and 50 parallel ones with networks 'none', then on the network: a row each. */
async function measureBoots(setup: string, api: ApiClient, networkId: string): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const [label, networks] of [
    ["networks 'none'", 'none'],
    ['on a network (1 port)', [{ uuid: networkId }]],
  ] as const) {
    const single: number[] = [];
    for (let i = 0; i < 10; i++) {
      single.push((await bootAll(api, 1, networks)).perServerMs[0] as number);
      await deleteAll(api);
    }
    const fifty = await bootAll(api, 50, networks);
    await deleteAll(api);
    const s = summary(fifty.perServerMs);
    rows.push([setup, label, ms(summary(single).p50), ms(fifty.totalMs), ms(s.p50), ms(s.p99)]);
  }
  return rows;
}

async function portsLeft(base: string): Promise<void> {
  const res = await fetch(`${base}/v2.0/ports?device_owner=compute:nova`, { headers: { 'x-auth-token': 'admin:admin', accept: 'application/json' } });
  const { ports } = (await res.json()) as { ports: unknown[] };
  if (ports.length) throw new Error(`${ports.length} ports left after the deletes`);
}

async function subnetFor(base: string, cidr: string): Promise<string> {
  const { network } = await post(`${base}/v2.0/networks`, { network: { name: 'bench' } });
  await post(`${base}/v2.0/subnets`, { subnet: { network_id: network.id, cidr, ip_version: 4 } });
  return network.id as string;
}

/** The embedded cloud (SQLite, memory://, 10 computes) with nova-network's API in this process beside it. */
async function embeddedBoots(): Promise<(string | number)[][]> {
  let send: SendNovaEvents = async () => {};
  const net = await startNetworkApi({ neutron_server: { send_events_interval: '0' } }, undefined, (events) => send(events));
  const base = await net.listen();
  const cloud = await startCloud({
    computes: Array.from({ length: 10 }, (_, i) => `nbench-c${i}`),
    overrides: { ...CAPACITY, neutron: { endpoint_override: base } },
  }).catch(async (e: unknown) => {
    await net.close();
    throw e;
  });
  try {
    const toNova = novaEventsFromConfig(loadConfig({ overrides: { api: { auth_strategy: 'noauth2' }, nova: { endpoint_override: `${cloud.url}/v2.1` } } }), silentLogger());
    if (toNova) send = toNova;
    const rows = await measureBoots(
      'embedded (SQLite, memory://), 10 computes, nova-network in process',
      new ApiClient(cloud.url, ALICE, '2.37'),
      await subnetFor(base, '10.129.0.0/16'),
    );
    await portsLeft(base);
    return rows;
  } finally {
    await cloud.stop();
    await net.close();
  }
}

/** Separate processes over RabbitMQ and MariaDB (3 computes) with nova-network as its own process, its events sent to nova-api. */
async function clusterBoots(from: string): Promise<(string | number)[][]> {
  const netPort = await freePort();
  const base = `http://127.0.0.1:${netPort}`;
  const cluster = await startCluster({
    computes: Array.from({ length: 3 }, (_, i) => `nbench-3-${i}`),
    conf: { fake: { memory_mb: 1000000, vcpus: 100000, local_gb: 1000000 }, DEFAULT: { report_interval: 10, service_down_time: 60 }, neutron: { endpoint_override: base } },
  });
  try {
    const netConf = path.join(cluster.dir, 'network.conf');
    fs.writeFileSync(
      netConf,
      `${fs.readFileSync(cluster.confFile, 'utf8')}\n[neutron_server]\nbind_host = 127.0.0.1\nbind_port = ${netPort}\nsend_events_interval = 0\n\n[nova]\nendpoint_override = ${cluster.url}/v2.1\n`,
    );
    const network = new Daemon('network', 'nova-network' as Binary, ['--config-file', netConf]);
    cluster.daemons.push(network); // stopped with the cluster
    await network.waitFor(/Network API listening/, 60_000);
    const rows = await measureBoots(
      `RabbitMQ + MariaDB, 3 compute processes, nova-network process (from ${from})`,
      new ApiClient(cluster.url, ALICE, '2.37'),
      await subnetFor(base, '10.130.0.0/16'),
    ).catch((e: unknown) => {
      // What nova-network answered with a 5xx, for a boot that failed on it.
      const failed = network.output.filter((l) => /request failed|unexpected/.test(l)).slice(-5);
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nnova-network:\n${failed.join('\n') || network.tail(10)}`);
    });
    await portsLeft(base);
    return rows;
  } finally {
    await cluster.stop();
  }
}

export async function benchNetwork(): Promise<void> {
  const rows = await portRows('SQLite');
  if (await mysqlSkip()) {
    rows.push(['MariaDB', 'skipped: MariaDB not reachable', '', '', '', '']);
  } else {
    const db = uniqueName('nova_bench_net');
    try {
      rows.push(...(await portRows('MariaDB', mysqlUrl(db))));
    } finally {
      await dropMysqlDatabase(db);
    }
  }
  const bootRows = await embeddedBoots();
  if ((await mysqlSkip()) || (await rabbitSkip())) {
    bootRows.push(['RabbitMQ + MariaDB', 'skipped: MariaDB or RabbitMQ not reachable', '', '', '', '']);
  } else {
    // The compiled build for the daemons, as a deployment (and the boot section) runs them; a tree that
    // does not build runs them from src/ through tsx (bin/launch.js: no fresh BUILD_STAMP).
    let from = 'dist';
    try {
      execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      from = 'src/, the build failed';
    }
    bootRows.push(...(await clusterBoots(from)));
  }
  printTable(
    'Port creation (POST /v2.0/ports to nova-network over HTTP, one IPv4 subnet, IPAM in the database; no address given twice)',
    ['database', 'clients', 'ports', 'ports/s', 'p50', 'p99'],
    rows,
  );
  printTable(
    'Server boots with and without a network (fake driver; POST to ACTIVE = POST sent to launched_at; on a network: ACTIVE with its address)',
    ['setup', 'networks', '1 boot (p50 of 10)', '50 parallel, all ACTIVE', 'p50 (50)', 'p99 (50)'],
    bootRows,
  );
}
