/**
 * The cloud a chaos run storms: every daemon its own OS process (two
 * schedulers, two conductors, three fake computes whose guests persist in
 * files, one API on a fixed port so it can come back at the same URL),
 * with the heal timers shortened so a run settles in seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Daemon, freePort, run, tmpDir, writeConf } from '../../test/support/procs.ts';
import type { Engines } from './engines.ts';

type Sections = Record<string, Record<string, string | number | boolean>>;

export interface ChaosCloud {
  readonly dir: string;
  /** Every daemon's output, one file per daemon name, across its restarts (`<dir>/logs/<name>.log`). */
  readonly logDir: string;
  readonly url: string;
  readonly computes: readonly string[];
  /** The guests file of a compute host. */
  guestsFile(host: string): string;
  /** Daemons by name (api, scheduler-0, conductor-1, compute-2 …). */
  readonly daemons: Map<string, Daemon>;
  /** SIGKILL a daemon, then start it again after `downMs`. */
  crash(name: string, downMs: number): Promise<void>;
  stop(): Promise<void>;
}

function merge(a: Sections, b: Readonly<Record<string, Readonly<Record<string, string>>>>): Sections {
  const out: Sections = { ...a };
  for (const [g, kv] of Object.entries(b)) out[g] = { ...(out[g] ?? {}), ...kv };
  return out;
}

export async function startChaosCloud(engines: Engines, opts: { computes?: number; spawnDelayMs?: number } = {}): Promise<ChaosCloud> {
  const dir = tmpDir('nova-chaos-');
  const port = await freePort();
  const computes = Array.from({ length: opts.computes ?? 3 }, (_, i) => `chaos-${i}`);
  const guestsFile = (host: string) => path.join(dir, 'hypervisors', `${host}.json`);
  const common = merge(
    {
      DEFAULT: {
        transport_url: engines.transportUrl,
        state_path: path.join(dir, 'state'),
        report_interval: 1,
        service_down_time: 8,
        periodic_interval: 2,
        rpc_response_timeout: 10,
        graceful_shutdown_timeout: 5,
        instance_build_timeout: 40,
        running_deleted_instance_poll_interval: 4,
        running_deleted_instance_timeout: 0,
        sync_power_state_interval: 10,
      },
      database: { connection: engines.databaseUrl, max_pool_size: 20, max_retries: -1, retry_interval: 1 },
      api: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: port, auth_strategy: 'noauth2' },
      conductor: { heal_interval: 2, build_request_timeout: 20 },
      compute: { task_state_timeout: 40, conductor_retry_timeout: 180 },
      scheduler: { max_attempts: 3 },
      quota: { instances: -1, cores: -1, ram: -1 },
      glance: { api_servers: '' },
      fake: { guests_file: path.join(dir, 'hypervisors', '%(host)s.json'), spawn_delay_ms: opts.spawnDelayMs ?? 100, vcpus: 100000, memory_mb: 10000000, local_gb: 1000000 },
      oslo_messaging_rabbit: { rabbit_retry_interval: 0.5, rabbit_retry_backoff: 0.5, rabbit_interval_max: 2, connect_attempts: 30 },
    },
    engines.conf,
  );
  const confOf = (name: string, host: string, extra: Sections = {}) =>
    writeConf(path.join(dir, `${name}.conf`), { ...merge(common, {}), ...extra, DEFAULT: { ...common.DEFAULT, host, ...(extra.DEFAULT ?? {}) } });
  const controller = confOf('controller', 'controller');
  const sync = await run('nova-manage', ['--config-file', controller, 'db', 'sync'], {}, 120_000);
  if (sync.code !== 0) throw new Error(`db sync failed: ${sync.stderr}`);

  const specs = new Map<string, { bin: 'nova-api' | 'nova-scheduler' | 'nova-conductor' | 'nova-compute'; conf: string; ready: RegExp }>();
  for (let i = 0; i < 2; i++) specs.set(`conductor-${i}`, { bin: 'nova-conductor', conf: confOf(`conductor-${i}`, `conductor-${i}`), ready: /service started/ });
  for (let i = 0; i < 2; i++) specs.set(`scheduler-${i}`, { bin: 'nova-scheduler', conf: confOf(`scheduler-${i}`, `scheduler-${i}`), ready: /service started/ });
  for (const host of computes) {
    // No [database] section for compute hosts: nova-compute must not need one.
    const { database: _db, ...noDb } = common;
    const file = writeConf(path.join(dir, `${host}.conf`), { ...noDb, DEFAULT: { ...common.DEFAULT, host, state_path: path.join(dir, host) } });
    specs.set(host, { bin: 'nova-compute', conf: file, ready: /service started/ });
  }
  specs.set('api', { bin: 'nova-api', conf: controller, ready: /Compute API listening/ });

  const daemons = new Map<string, Daemon>();
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const start = async (name: string) => {
    const spec = specs.get(name);
    if (!spec) throw new Error(`no daemon ${name}`);
    const d = new Daemon(name, spec.bin, ['--config-file', spec.conf]);
    const log = fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    d.proc.stdout?.pipe(log, { end: false });
    d.proc.stderr?.pipe(log, { end: false });
    void d.exited.then(() => log.end());
    daemons.set(name, d);
    await d.waitFor(spec.ready, 120_000);
  };
  try {
    await Promise.all([...specs.keys()].map(start));
  } catch (e) {
    await Promise.all([...daemons.values()].map((d) => d.stop()));
    throw e;
  }
  return {
    dir,
    logDir,
    url: `http://127.0.0.1:${port}`,
    computes,
    guestsFile,
    daemons,
    async crash(name, downMs) {
      const d = daemons.get(name);
      d?.kill('SIGKILL');
      await d?.exited;
      await new Promise((r) => setTimeout(r, downMs));
      await start(name);
    },
    async stop() {
      await Promise.all([...daemons.values()].map((d) => d.stop()));
    },
  };
}
