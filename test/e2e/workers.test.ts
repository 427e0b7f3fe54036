import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, rabbitSkip } from '../support/backends.ts';
import { ApiClient } from '../support/cloud.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { type Daemon, until } from '../support/procs.ts';

type Line = { msg?: string; worker?: number; pid?: number; pids?: number[]; worker_pid?: number };

const parse = (l: string): Line | null => {
  try {
    return JSON.parse(l) as Line;
  } catch {
    return null;
  }
};
const lines = (output: readonly string[]): Line[] => output.map(parse).filter((x): x is Line => x !== null);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Consumers of each queue of the cluster's RabbitMQ virtual host. */
function consumers(cluster: Cluster): Map<string, number> {
  const url = /transport_url\s*=\s*(\S+)/.exec(fs.readFileSync(cluster.confFile, 'utf8'))?.[1] ?? '';
  const vhost = decodeURIComponent(new URL(url).pathname.slice(1));
  const out = execFileSync('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', '-p', vhost, 'name', 'consumers'], { encoding: 'utf8', timeout: 60_000 });
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/) as [string, string])
      .map(([q, n]) => [q, Number(n)]),
  );
}

/**
 * nova-api, nova-scheduler and nova-conductor with two worker processes each
 * ([DEFAULT] osapi_compute_workers, [scheduler] workers, [conductor] workers)
 * over RabbitMQ and MariaDB: both API workers answer requests on the one
 * port, both scheduler workers place servers and never overcommit a host,
 * both conductor workers consume the conductor topic, a killed worker is
 * started again, and SIGTERM stops each service with all its workers.
 */
describe('services as several worker processes', () => {
  let skip: string | undefined;
  let cluster: Cluster;
  let api: ApiClient;
  const daemon = (name: string): Daemon => cluster.daemons.find((d) => d.name === name) as Daemon;
  /** Each service's worker pids: those its parent announced once every worker had started, then their replacements. */
  const pids = new Map<string, number[]>();
  const workerPids = (d: Daemon): number[] => pids.get(d.name) ?? [];
  /** The first line after `from` with this message. */
  const nextLine = async (d: Daemon, from: number, msg: string): Promise<Line> => {
    return await until(async () => lines(d.output.slice(from)).find((l) => l.msg === msg), 120_000, `${d.name}: ${msg}`);
  };

  before(async () => {
    skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    cluster = await startCluster({
      computes: ['wk-1', 'wk-2'],
      conf: {
        DEFAULT: { osapi_compute_workers: 2 },
        scheduler: { workers: 2 },
        conductor: { workers: 2 },
        // Six processes with a database pool each: MariaDB's 151 connections are shared with other tests.
        database: { max_pool_size: 5 },
        // Each host: (26112 - 512) / 512 = 50 m1.tiny; vCPUs and disk are plentiful.
        fake: { memory_mb: 26112, vcpus: 1000, local_gb: 10000 },
      },
    });
    api = new ApiClient(cluster.url);
    for (const name of ['api', 'scheduler-0', 'conductor']) pids.set(name, (await nextLine(daemon(name), 0, 'all workers started')).pids ?? []);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('runs two workers per service, each its own process, the parent logging for them', (t) => {
    if (skip) return t.skip(skip);
    for (const name of ['api', 'scheduler-0', 'conductor']) {
      const d = daemon(name);
      const pids = workerPids(d);
      assert.equal(pids.length, 2, `${name}: ${d.tail(5)}`);
      assert.ok(!pids.includes(d.proc.pid as number));
      for (const pid of pids) assert.ok(alive(pid));
      const started = lines(d.output).filter((l) => l.msg === 'service started');
      assert.deepEqual(new Set(started.map((l) => l.worker)), new Set([1, 2]), `${name}: each worker started its service`);
      assert.deepEqual(new Set(started.map((l) => l.pid)), new Set(pids));
    }
  });

  it('130 concurrent boots for 100 slots: 100 ACTIVE, 30 ERROR, both API and both scheduler workers used, no host over its limit', async (t) => {
    if (skip) return t.skip(skip);
    const ids = await Promise.all(Array.from({ length: 130 }, (_, i) => api.boot(`wk-${i}`)));
    const final = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE', 'ERROR'], 180_000)));
    const active = final.filter((s) => s.status === 'ACTIVE');
    const errored = final.filter((s) => s.status === 'ERROR');
    assert.equal(active.length, 100);
    assert.equal(errored.length, 30);
    for (const s of errored) assert.match((s.fault as { message: string }).message, /^No valid host was found\./);
    const perHost: Record<string, number> = {};
    for (const s of active) {
      const h = s['OS-EXT-SRV-ATTR:host'] as string;
      perHost[h] = (perHost[h] ?? 0) + 1;
    }
    assert.deepEqual(perHost, { 'wk-1': 50, 'wk-2': 50 });
    const r = await api.get<{ hypervisors: { hypervisor_hostname: string; memory_mb: number; memory_mb_used: number }[] }>('/os-hypervisors/detail');
    for (const h of r.body.hypervisors) assert.ok(h.memory_mb_used <= h.memory_mb, `${h.hypervisor_hostname}: ${h.memory_mb_used} of ${h.memory_mb} MB`);
    const servedBy = new Set(
      lines(daemon('api').output)
        .filter((l) => l.msg === 'request')
        .map((l) => l.worker),
    );
    assert.deepEqual(servedBy, new Set([1, 2]), 'requests answered by both API workers');
    const scheduledBy = new Set(
      lines(daemon('scheduler-0').output)
        .filter((l) => l.msg === 'scheduled')
        .map((l) => l.worker),
    );
    assert.deepEqual(scheduledBy, new Set([1, 2]), 'servers placed by both scheduler workers');
    const queues = consumers(cluster);
    assert.equal(queues.get('conductor'), 2, 'two conductor workers consume the conductor topic');
    assert.equal(queues.get('scheduler'), 2, 'two scheduler workers consume the scheduler topic');
  });

  it('a killed worker is started again (a new process), and the service keeps serving', async (t) => {
    if (skip) return t.skip(skip);
    for (const name of ['scheduler-0', 'conductor', 'api']) {
      const d = daemon(name);
      const [victim, other] = workerPids(d) as [number, number];
      const from = d.output.length;
      process.kill(victim, 'SIGKILL');
      const fresh = (await nextLine(d, from, 'worker started again')).worker_pid as number;
      assert.ok(fresh !== victim && alive(fresh) && alive(other), `${name}: worker ${victim} replaced by ${fresh}`);
      assert.ok(lines(d.output).some((l) => l.msg === 'worker died; starting it again' && l.worker_pid === victim));
      pids.set(name, [fresh, other]);
    }
    // The restarted workers serve: servers are still scheduled, built and deleted.
    const victims = (await api.get<{ servers: { id: string }[] }>('/servers?name=^wk-&status=ERROR')).body.servers.slice(0, 2);
    await Promise.all(victims.map((s) => api.delete(`/servers/${s.id}`)));
    const one = (await api.get<{ servers: { id: string }[] }>('/servers?name=^wk-&status=ACTIVE')).body.servers[0] as { id: string };
    assert.equal((await api.delete(`/servers/${one.id}`)).status, 204);
    await api.waitGone(one.id, 60_000);
    const id = await api.boot('wk-after-restart');
    const s = await api.waitFor(id, ['ACTIVE', 'ERROR'], 120_000);
    assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
  });

  it('SIGTERM stops each service: every worker stops gracefully and the parent exits 0', async (t) => {
    if (skip) return t.skip(skip);
    for (const name of ['api', 'scheduler-0', 'conductor']) {
      const d = daemon(name);
      const workers = workerPids(d);
      const from = d.output.length;
      d.kill('SIGTERM');
      const exit = await d.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, `${name}: ${d.tail(8)}`);
      const stopped = lines(d.output.slice(from)).filter((l) => l.msg === 'service stopped');
      assert.deepEqual(new Set(stopped.map((l) => l.pid)), new Set(workers), `${name}: both workers stopped their service`);
      await until(async () => workers.every((p) => !alive(p)), 10_000, `${name}'s workers gone`);
    }
  });
});
