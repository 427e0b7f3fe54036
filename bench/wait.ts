/**
 * What a person waits for (npm run bench -- wait): the wall time of the
 * unmodified `openstack server create --wait` and `openstack server delete
 * --wait` against a separate-process cloud (Keystone, RabbitMQ, MariaDB,
 * one fake compute), for 1 server and for 10 (one multi-create of 10, then
 * one delete --wait of the 10, which deletes and waits for each in turn),
 * with [api] settle_ms at its default and at 0 (Nova's behaviour: the
 * client's first poll comes a few ms after the 202/204, the next 5 s later;
 * BENCH_WAIT_SETTLE=300,1000,0 compares other windows).
 * The client's own floor (start, authentication, one request) is `openstack
 * server list`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../test/support/backends.ts';
import { type KeystoneCluster, startKeystoneCluster } from '../test/support/keystone-cluster.ts';
import { runProgram } from '../test/support/procs.ts';
import { printTable } from './stats.ts';

async function timed(cloud: KeystoneCluster, args: string[]): Promise<{ s: number; stdout: string }> {
  const t = performance.now();
  const r = await runProgram('openstack', args, cloud.adminEnv, 600_000);
  const s = (performance.now() - t) / 1000;
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
  return { s, stdout: r.stdout };
}

const secs = (s: number) => `${s.toFixed(2)} s`;

async function measure(settleMs: number): Promise<string[]> {
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
    const create10 = await timed(cloud, ['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--min', '10', '--max', '10', '--wait', 'ten']);
    const ids = (await timed(cloud, ['server', 'list', '-f', 'value', '-c', 'ID'])).stdout.split('\n').filter(Boolean);
    if (ids.length !== 10) throw new Error(`expected 10 servers, found ${ids.length}`);
    const delete10 = await timed(cloud, ['server', 'delete', '--wait', ...ids]);
    return [settleMs === 0 ? 'settle_ms = 0 (as Nova)' : `settle_ms = ${settleMs}`, secs(floor.s), secs(create1.s), secs(delete1.s), secs(create10.s), secs(delete10.s)];
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
  const rows: string[][] = [];
  for (const w of windows) rows.push(await measure(w));
  rows.push(['Nova (issue 12), fake driver', '', '6.4 s', '', '', '257 s for 50']);
  printTable(
    'openstack --wait with the unmodified client, fake driver, separate processes (RabbitMQ + MariaDB + Keystone)',
    ['nova-api', 'client floor (server list)', 'create --wait, 1', 'delete --wait, 1', 'create --min 10 --wait', 'delete --wait, 10'],
    rows,
  );
}
