import path from 'node:path';
import { createRabbitVhost, dropMysqlDatabase, mysqlUrl, uniqueName } from './backends.ts';
import { Daemon, killQemusUnder, onCleanup, run, runAll, tmpDir, writeConf } from './procs.ts';

type Sections = Record<string, Record<string, string | number | boolean>>;

export interface ClusterOptions {
  computes: (string | { host: string; conf?: Sections })[];
  schedulers?: number;
  /** Extra config for every daemon. */
  conf?: Sections;
  /** Also run nova-compute-sim with this many simulated hosts (host names `prefix`0001…, default sim-). */
  sim?: { hosts: number; prefix?: string; conf?: Sections };
}

/** The daemons of a cloud as separate OS processes over RabbitMQ and MariaDB. */
export interface Cluster {
  url: string;
  dir: string;
  daemons: Daemon[];
  confFile: string;
  stop(): Promise<void>;
}

function merge(a: Sections, b: Sections = {}): Sections {
  const out: Sections = { ...a };
  for (const [g, kv] of Object.entries(b)) out[g] = { ...(out[g] ?? {}), ...kv };
  return out;
}

/**
 * Start the daemons. A failure half way stops whatever had started (and
 * drops the database and the virtual host) before the error propagates;
 * until `stop()` the cluster is also registered with the test file's cleanup.
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dir = tmpDir('nova-cluster-');
  const dbName = uniqueName('nova_e2e');
  const daemons: Daemon[] = [];
  let vhost: ReturnType<typeof createRabbitVhost> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= runAll([
      () => Promise.all(daemons.map((d) => d.stop())),
      () => killQemusUnder(dir), // guests a failed test did not delete
      () => dropMysqlDatabase(dbName),
      () => vhost?.drop(),
    ]).finally(unregister);
    return stopping;
  };
  const unregister = onCleanup(`cluster in ${dir}`, stop);
  try {
    vhost = createRabbitVhost();
    const common = merge(
      {
        DEFAULT: { transport_url: vhost.url, report_interval: 1, service_down_time: 10, state_path: path.join(dir, 'state'), graceful_shutdown_timeout: 10 },
        database: { connection: mysqlUrl(dbName), max_pool_size: 20 },
        api: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: 0, auth_strategy: 'noauth2' },
        quota: { instances: -1, cores: -1, ram: -1 },
        glance: { api_servers: '' },
      },
      opts.conf,
    );
    const confFile = writeConf(path.join(dir, 'controller.conf'), merge(common, { DEFAULT: { host: 'controller' } }));
    const sync = await run('nova-manage', ['--config-file', confFile, 'db', 'sync']);
    if (sync.code !== 0) throw new Error(`db sync failed: ${sync.stderr}`);
    daemons.push(new Daemon('conductor', 'nova-conductor', ['--config-file', confFile]));
    for (let i = 0; i < (opts.schedulers ?? 1); i++) {
      daemons.push(
        new Daemon(`scheduler-${i}`, 'nova-scheduler', ['--config-file', writeConf(path.join(dir, `scheduler-${i}.conf`), merge(common, { DEFAULT: { host: `scheduler-${i}` } }))]),
      );
    }
    for (const c of opts.computes) {
      const spec = typeof c === 'string' ? { host: c } : c;
      // No [database] section for compute hosts: nova-compute must not need one.
      const { database: _db, ...noDb } = common;
      const f = writeConf(path.join(dir, `${spec.host}.conf`), merge(merge(noDb, { DEFAULT: { host: spec.host, state_path: path.join(dir, spec.host) } }), spec.conf));
      daemons.push(new Daemon(spec.host, 'nova-compute', ['--config-file', f]));
    }
    let sim: Daemon | undefined;
    if (opts.sim) {
      const { database: _db, ...noDb } = common;
      const f = writeConf(path.join(dir, 'compute-sim.conf'), merge(merge(noDb, { DEFAULT: { host: 'compute-sim', state_path: path.join(dir, 'compute-sim') } }), opts.sim.conf));
      sim = new Daemon('compute-sim', 'nova-compute-sim', ['--config-file', f, '--hosts', String(opts.sim.hosts), '--prefix', opts.sim.prefix ?? 'sim-']);
      daemons.push(sim);
    }
    const api = new Daemon('api', 'nova-api', ['--config-file', confFile]);
    daemons.push(api);
    const listening = await api.waitFor(/Compute API listening/, 60_000);
    const url = (JSON.parse(listening) as { url: string }).url;
    await Promise.all(daemons.map((d) => (d === sim ? d.waitFor(/compute simulator ready/, 60_000 + (opts.sim?.hosts ?? 0) * 300) : d.waitFor(/service started/, 60_000))));
    return { url, dir, daemons, confFile, stop };
  } catch (e) {
    await stop().catch(() => {}); // the setup error is the one to report
    throw e;
  }
}
