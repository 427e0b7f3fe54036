/**
 * Networking figures: the network service's port creation rate (POST
 * /v2.0/ports over HTTP to nova-network's API in this process, noauth2, on
 * SQLite and on MariaDB), sequential and concurrent, checking that no IP
 * was handed out twice; and server boots with the fake driver (embedded
 * cloud, 10 computes, the network service beside it as
 * test/functional/server-networks.test.ts wires it, its events sent to
 * nova) with networks 'none' against a network (a port created, bound and
 * shown in the addresses).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { novaEventsFromConfig } from '../src/cmd/nova-events.ts';
import { loadConfig } from '../src/conf/loader.ts';
import { silentLogger } from '../src/log.ts';
import type { SendNovaEvents } from '../src/network/nova-notifier.ts';
import { ALICE, type Json, startNetworkApi } from '../test/functional/network-harness.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, uniqueName } from '../test/support/backends.ts';
import { ApiClient, startCloud } from '../test/support/cloud.ts';
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
    const errors = await api.get<{ servers: unknown[] }>('/servers?status=ERROR&name=^nbench-');
    if (errors.body.servers.length) throw new Error(`${errors.body.servers.length} boots failed`);
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

async function bootRows(): Promise<(string | number)[][]> {
  let send: SendNovaEvents = async () => {};
  const net = await startNetworkApi({ neutron_server: { send_events_interval: '0' } }, undefined, (events) => send(events));
  const cloud = await startCloud({
    computes: Array.from({ length: 10 }, (_, i) => `nbench-c${i}`),
    overrides: { ...CAPACITY, neutron: { endpoint_override: await net.listen() } },
  }).catch(async (e: unknown) => {
    await net.close();
    throw e;
  });
  try {
    const toNova = novaEventsFromConfig(loadConfig({ overrides: { api: { auth_strategy: 'noauth2' }, nova: { endpoint_override: `${cloud.url}/v2.1` } } }), silentLogger());
    if (toNova) send = toNova;
    const network = await net.create('networks', 'network', { name: 'bench' });
    await net.create('subnets', 'subnet', { network_id: network.id, cidr: '10.129.0.0/16', ip_version: 4 });
    const api = new ApiClient(cloud.url, ALICE, '2.37');
    const rows: (string | number)[][] = [];
    for (const [label, networks] of [
      ["networks 'none'", 'none'],
      ['on a network (1 port)', [{ uuid: network.id }]],
    ] as const) {
      const single: number[] = [];
      for (let i = 0; i < 10; i++) {
        single.push((await bootAll(api, 1, networks)).perServerMs[0] as number);
        await deleteAll(api);
      }
      const fifty = await bootAll(api, 50, networks);
      await deleteAll(api);
      const s = summary(fifty.perServerMs);
      rows.push([label, ms(summary(single).p50), ms(fifty.totalMs), ms(s.p50), ms(s.p99)]);
    }
    const left = await net.call('GET', '/v2.0/ports?device_owner=compute:nova', undefined, 'admin:admin');
    if ((left.body.ports as unknown[]).length) throw new Error(`${(left.body.ports as unknown[]).length} ports left after the deletes`);
    return rows;
  } finally {
    await cloud.stop();
    await net.close();
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
  printTable(
    'Port creation (POST /v2.0/ports to nova-network over HTTP, one IPv4 subnet, IPAM in the database; no address given twice)',
    ['database', 'clients', 'ports', 'ports/s', 'p50', 'p99'],
    rows,
  );
  printTable(
    'Server boots with and without a network (fake driver, embedded cloud: SQLite, memory://, 10 computes; POST to ACTIVE = POST sent to launched_at)',
    ['networks', '1 boot (p50 of 10)', '50 parallel, all ACTIVE', 'p50 (50)', 'p99 (50)'],
    await bootRows(),
  );
}
