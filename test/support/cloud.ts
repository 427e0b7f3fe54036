import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { apiService } from '../../src/cmd/services/api.ts';
import { certService } from '../../src/cmd/services/cert.ts';
import { computeService } from '../../src/cmd/services/compute.ts';
import { conductorService } from '../../src/cmd/services/conductor.ts';
import { consoleauthService } from '../../src/cmd/services/consoleauth.ts';
import { schedulerService } from '../../src/cmd/services/scheduler.ts';
import { makeTransport } from '../../src/cmd/transport.ts';
import { connectDb } from '../../src/cmd/wiring.ts';
import { loadConfig, type NovaConfig } from '../../src/conf/loader.ts';
import type { DbApi } from '../../src/db/api/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Transport } from '../../src/rpc/transport.ts';
import type { Service } from '../../src/service/service.ts';
import { uniqueName } from './backends.ts';
import { onCleanup, runAll } from './procs.ts';

type Overrides = Record<string, Record<string, string>>;

export interface CloudOptions {
  /** Compute hosts to run (names), each with optional extra config. */
  computes?: (string | { host: string; overrides?: Overrides })[];
  /** Config for every service. */
  overrides?: Overrides;
  /** Database URL; default a fresh SQLite file. */
  connection?: string;
  /** Transport URL; default a private memory:// bus. */
  transportUrl?: string;
  schedulers?: number;
}

/** A whole cloud in this process: conductor, consoleauth, cert, scheduler(s), computes (fake driver), API on a random port. */
export interface Cloud {
  conf: NovaConfig;
  db: DbApi;
  app: FastifyInstance;
  url: string;
  computes: Map<string, Service>;
  stop(): Promise<void>;
  /** Stop one compute service (its heartbeats end, as a crashed host's would). */
  stopCompute(host: string): Promise<void>;
}

function merge(a: Overrides, b: Overrides = {}): Overrides {
  const out: Overrides = { ...a };
  for (const [g, kv] of Object.entries(b)) out[g] = { ...(out[g] ?? {}), ...kv };
  return out;
}

/**
 * Start the services in this process. A failure half way stops the services
 * that had started and closes the transports and the database (their timers
 * and sockets would otherwise keep the test process alive) before the error
 * propagates; until `stop()` the cloud is also registered with the test
 * file's cleanup (procs.ts).
 */
export async function startCloud(opts: CloudOptions = {}): Promise<Cloud> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-cloud-'));
  const base = merge(
    {
      DEFAULT: {
        state_path: dir,
        transport_url: opts.transportUrl ?? `memory:///${uniqueName('cloud')}`,
        report_interval: '1',
        service_down_time: '5',
        graceful_shutdown_timeout: '5',
      },
      api: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: '0', auth_strategy: 'noauth2' },
      quota: { instances: '-1', cores: '-1', ram: '-1' },
      glance: { api_servers: '' },
      ...(opts.connection ? { database: { connection: opts.connection } } : {}),
    },
    opts.overrides,
  );
  const conf = loadConfig({ overrides: base });
  const log = silentLogger();
  const transports: Transport[] = [];
  /** Services whose start() was called (a half-started one is stopped too). */
  const started: Service[] = [];
  const stopped = new Set<Service>();
  let db: DbApi | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= runAll([
      ...[...started].reverse().map((s) => () => (stopped.has(s) ? undefined : s.stop())),
      ...transports.map((tr) => () => tr.close()),
      () => db?.db.close(),
      () => sleep(10),
      () => fs.rmSync(dir, { recursive: true, force: true }),
    ]).finally(unregister);
    return stopping;
  };
  const unregister = onCleanup(`in-process cloud in ${dir}`, stop);
  try {
    db = await connectDb(conf, log, { sync: true });
    const t = () => {
      const tr = makeTransport(conf, log);
      transports.push(tr);
      return tr;
    };
    const services: Service[] = [conductorService(conf, db, t(), log), consoleauthService(conf, db, t(), log), certService(conf, db, t(), log)];
    for (let i = 0; i < (opts.schedulers ?? 1); i++) services.push(schedulerService(conf, db, t(), log));
    const computes = new Map<string, Service>();
    for (const c of opts.computes ?? ['compute1']) {
      const spec = typeof c === 'string' ? { host: c } : c;
      const cconf = loadConfig({ overrides: merge(base, merge({ DEFAULT: { host: spec.host } }, spec.overrides)) });
      const svc = await computeService(cconf, t(), log, spec.host);
      computes.set(spec.host, svc);
      services.push(svc);
    }
    const api = apiService(conf, db, t(), log);
    services.push(api.service);
    for (const s of services) {
      started.push(s);
      await s.start();
    }
    return {
      conf,
      db,
      app: api.manager.app,
      url: `${api.manager.url.replace(/\/\/[^:/]+/, '//127.0.0.1')}`,
      computes,
      async stopCompute(host) {
        const s = computes.get(host);
        if (s && !stopped.has(s)) {
          stopped.add(s);
          await s.stop();
        }
      },
      stop,
    };
  } catch (e) {
    await stop().catch(() => {}); // the setup error is the one to report
    throw e;
  }
}

/** A small REST client for tests: JSON in and out, noauth2 token, optional microversion. */
export class ApiClient {
  constructor(
    readonly base: string,
    readonly token = 'admin:admin',
    readonly version?: string,
  ) {}

  as(token: string, version = this.version): ApiClient {
    return new ApiClient(this.base, token, version);
  }

  at(version: string): ApiClient {
    return new ApiClient(this.base, this.token, version);
  }

  async req<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
    const headers: Record<string, string> = { 'X-Auth-Token': this.token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.version) headers['OpenStack-API-Version'] = `compute ${this.version}`;
    const r = await fetch(`${this.base}/v2.1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as T, headers: r.headers };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.req<T>('GET', path);
  }
  post<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.req<T>('POST', path, body);
  }
  put<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.req<T>('PUT', path, body);
  }
  delete<T = Record<string, unknown>>(path: string) {
    return this.req<T>('DELETE', path);
  }

  async boot(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const r = await this.post<{ server: { id: string } }>('/servers', { server: { name, imageRef: 'cirros', flavorRef: '1', ...extra } });
    if (r.status !== 202) throw new Error(`boot ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.server.id;
  }

  async server(id: string): Promise<Record<string, unknown>> {
    const r = await this.get<{ server: Record<string, unknown> }>(`/servers/${id}`);
    if (r.status !== 200) throw new Error(`show ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.server;
  }

  /** Poll until the server's status is one of `statuses` (and no task is running). */
  async waitFor(id: string, statuses: string[], timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      last = await this.server(id);
      if (statuses.includes(String(last.status)) && last['OS-EXT-STS:task_state'] === null) return last;
      await sleep(50);
    }
    throw new Error(`server ${id} did not reach ${statuses.join('/')}; last: ${last.status} task ${last['OS-EXT-STS:task_state']}`);
  }

  async waitGone(id: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.get(`/servers/${id}`)).status === 404) return;
      await sleep(50);
    }
    throw new Error(`server ${id} was not deleted`);
  }
}
