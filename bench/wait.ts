/**
 * What a person waits for (npm run bench -- wait): the wall time of the
 * unmodified `openstack server create --wait` and `openstack server delete
 * --wait` against a separate-process cloud (Keystone, RabbitMQ, MariaDB,
 * one fake compute), for 1 server and for 10 (one multi-create of 10, then
 * one delete --wait of the 10, which deletes and waits for each in turn),
 * with [api] settle_ms at its default and at 0 (Nova's behaviour: the
 * client's first poll comes a few ms after the 202/204, the next 5 s later;
 * BENCH_WAIT_SETTLE=300,1000,0 compares other windows; BENCH_WAIT_TEN=0
 * leaves out the 10-server runs).
 *
 * Each command's time is split into ours and the client's: "ours" is the
 * time some service of the cloud was answering one of its HTTP requests
 * (the union of the request intervals of every service's request log lines,
 * so that nova-api's own calls to Keystone and Glance inside a request count
 * once); the rest is the client's (start-up, authentication plugin, its
 * polling sleeps). The client's bare start-up (`openstack --version`, and
 * the import of openstackclient.shell alone) is measured apart, and its
 * floor (start, authentication, one request) is `openstack server list`.
 * BENCH_WAIT_REQUESTS=1 prints every request of the 1-server runs with its
 * server-side time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../test/support/backends.ts';
import { type KeystoneCluster, startKeystoneCluster } from '../test/support/keystone-cluster.ts';
import { runProgram } from '../test/support/procs.ts';
import { printTable } from './stats.ts';

interface Timed {
  /** The whole command, seconds. */
  s: number;
  /** Of which the cloud was answering HTTP requests, seconds. */
  oursS: number;
  /** Each request: service, method, url, status, server-side ms. */
  requests: string[];
  stdout: string;
}

interface RequestLine {
  name: string;
  end: number;
  ms: number;
  line: string;
}

/** The request log lines the cloud's services wrote since `from` (their output lengths). */
function requestsSince(cloud: KeystoneCluster, from: Map<string, number>): RequestLine[] {
  const out: RequestLine[] = [];
  for (const d of cloud.daemons) {
    for (const l of d.output.slice(from.get(d.name) ?? 0)) {
      if (!l.includes('"msg":"request"')) continue;
      const o = JSON.parse(l) as { time: number; method: string; url: string; status: number; time_ms: number };
      out.push({ name: d.name, end: o.time, ms: o.time_ms, line: `${d.name} ${o.method} ${o.url} ${o.status} ${o.time_ms} ms` });
    }
  }
  return out.sort((a, b) => a.end - a.ms - (b.end - b.ms));
}

/** The length of the union of the requests' intervals, in ms. */
function unionMs(reqs: RequestLine[]): number {
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of reqs) {
    const a = Math.max(r.end - r.ms, end);
    if (r.end > a) total += r.end - a;
    end = Math.max(end, r.end);
  }
  return total;
}

async function timed(cloud: KeystoneCluster, args: string[]): Promise<Timed> {
  const from = new Map(cloud.daemons.map((d) => [d.name, d.output.length]));
  const t = performance.now();
  const r = await runProgram('openstack', args, cloud.adminEnv, 600_000);
  const s = (performance.now() - t) / 1000;
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
  // The last log lines reach the daemons' output a moment after the answers.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const reqs = requestsSince(cloud, from);
  return { s, oursS: unionMs(reqs) / 1000, requests: reqs.map((x) => x.line), stdout: r.stdout };
}

/** The client's start-up alone, the best of three: `openstack --version` and the import of its shell module. */
async function clientStartup(): Promise<{ version: number; shellImport: number }> {
  const best = async (cmd: string, args: string[]) => {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await runProgram(cmd, args, {}, 120_000);
      min = Math.min(min, (performance.now() - t) / 1000);
    }
    return min;
  };
  return { version: await best('openstack', ['--version']), shellImport: await best('python3', ['-c', 'import openstackclient.shell']) };
}

const secs = (s: number) => `${s.toFixed(2)} s`;
/** "whole (ours)". */
const split = (t: Timed | undefined) => (t ? `${secs(t.s)} (${secs(t.oursS)})` : '');

async function measure(settleMs: number, ten: boolean): Promise<string[]> {
  const cloud = await startKeystoneCluster({ conf: { api: { settle_ms: settleMs } } });
  try {
    const file = path.join(cloud.dir, 'cirros.img');
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, 7));
    await timed(cloud, ['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--public', 'cirros']);
    // Warm up (token, catalog, first boot on the host), then the client's floor.
    await timed(cloud, ['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'warm']);
    await timed(cloud, ['server', 'delete', '--wait', 'warm']);
    const floor = await timed(cloud, ['server', 'list']);
    const create1 = await timed(cloud, ['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'one']);
    const delete1 = await timed(cloud, ['server', 'delete', '--wait', 'one']);
    if (process.env.BENCH_WAIT_REQUESTS === '1') {
      for (const [what, t] of [
        ['server create --wait', create1],
        ['server delete --wait', delete1],
      ] as const)
        console.log(`\n${what} (settle_ms ${settleMs}): ${secs(t.s)}, ours ${secs(t.oursS)}\n  ${t.requests.join('\n  ')}`);
    }
    let create10: Timed | undefined;
    let delete10: Timed | undefined;
    if (ten) {
      create10 = await timed(cloud, ['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--min', '10', '--max', '10', '--wait', 'ten']);
      const ids = (await timed(cloud, ['server', 'list', '-f', 'value', '-c', 'ID'])).stdout.split('\n').filter(Boolean);
      if (ids.length !== 10) throw new Error(`expected 10 servers, found ${ids.length}`);
      delete10 = await timed(cloud, ['server', 'delete', '--wait', ...ids]);
    }
    return [settleMs === 0 ? 'settle_ms = 0 (as Nova)' : `settle_ms = ${settleMs}`, split(floor), split(create1), split(delete1), split(create10), split(delete10)];
  } finally {
    await cloud.stop();
  }
}

export async function benchWait(): Promise<void> {
  const skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
  if (skip) {
    console.log(`wait: ${skip}`);
    return;
  }
  // BENCH_WAIT_SETTLE=300,1000,0: the windows to compare (default: the option's default and 0).
  const windows = (process.env.BENCH_WAIT_SETTLE ?? '300,0').split(',').map(Number);
  const ten = process.env.BENCH_WAIT_TEN !== '0';
  const rows: string[][] = [];
  for (const w of windows) rows.push(await measure(w, ten));
  const start = await clientStartup();
  rows.push([`client start-up alone: openstack --version ${secs(start.version)}, import openstackclient.shell ${secs(start.shellImport)}`, '', '', '', '', '']);
  rows.push(['Nova (issue 12), fake driver', '', '6.4 s', '', '', '257 s for 50']);
  printTable(
    'openstack --wait with the unmodified client, fake driver, separate processes (RabbitMQ + MariaDB + Keystone): whole command (of which our services were answering its HTTP requests)',
    ['nova-api', 'client floor (server list)', 'create --wait, 1', 'delete --wait, 1', 'create --min 10 --wait', 'delete --wait, 10'],
    rows,
  );
}
