/**
 * In-process identity service for the identity functional tests: the app as
 * src/identity/routes.ts wires it, over a fresh SQLite database with the
 * identity schema, bootstrapped (admin / ADMIN_PASSWORD), driven with
 * app.inject().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type NovaConfig } from '../../src/conf/loader.ts';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { type BootstrapResult, bootstrapIdentity } from '../../src/identity/bootstrap.ts';
import type { IdentityDb } from '../../src/identity/db/index.ts';
import { syncIdentitySchema } from '../../src/identity/db/migrate.ts';
import { createIdentityApp } from '../../src/identity/routes.ts';
import { silentLogger } from '../../src/log.ts';

export const ADMIN_PASSWORD = 'Secr3t-admin';
export const SERVICE_PASSWORD = 'Secr3t-service';
export const URLS = { computeUrl: 'http://10.0.0.5:8774/v2.1', identityUrl: 'http://10.0.0.5:5000/v3', imageUrl: 'http://10.0.0.5:9292' };

export interface CallOptions {
  /** X-Auth-Token; none when absent. */
  token?: string;
  /** X-Subject-Token. */
  subject?: string;
  body?: unknown;
}

export interface IdentityHarness {
  readonly app: FastifyInstance;
  readonly conn: Db;
  readonly db: IdentityDb;
  readonly conf: NovaConfig;
  readonly boot: BootstrapResult;
  call(method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, opts?: CallOptions): Promise<LightMyRequestResponse>;
  /** POST /v3/auth/tokens with password auth by name in the Default domain; the response. */
  login(user: string, password: string, project?: string | null): Promise<LightMyRequestResponse>;
  /** The token id of a successful login (fails the test otherwise). */
  token(user: string, password: string, project?: string | null): Promise<string>;
  close(): Promise<void>;
}

/** A password auth body: user by name in domain Default, scoped to a project by name (or unscoped). */
export function passwordAuth(user: string, password: string, project?: string | null): unknown {
  const auth: Record<string, unknown> = { identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } } };
  if (project) auth.scope = { project: { name: project, domain: { name: 'Default' } } };
  return { auth };
}

/** Start the identity app over a fresh database (SQLite, or `connection`); `overrides` are nova.conf values by section. */
export async function startIdentity(overrides: Record<string, Record<string, string>> = {}, connection?: string): Promise<IdentityHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-identity-'));
  const { DEFAULT, ...rest } = overrides;
  const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir, ...(DEFAULT ?? {}) }, ...rest } });
  const conn = await openDatabase(connection ?? `sqlite:///${dir}/nova.sqlite`, { createDatabase: connection !== undefined, maxRetries: 0 });
  await syncIdentitySchema(conn);
  const boot = await bootstrapIdentity(conn, { adminPassword: ADMIN_PASSWORD, servicePassword: SERVICE_PASSWORD, ...URLS });
  const { app, db } = createIdentityApp(conf, conn, silentLogger());
  await app.ready();
  const call: IdentityHarness['call'] = (method, url, opts = {}) => {
    const headers: Record<string, string> = { accept: 'application/json', host: 'keystone.test:5000' };
    if (opts.token !== undefined) headers['x-auth-token'] = opts.token;
    if (opts.subject !== undefined) headers['x-subject-token'] = opts.subject;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    return app.inject({ method, url, headers, payload });
  };
  const login: IdentityHarness['login'] = (user, password, project = null) => call('POST', '/v3/auth/tokens', { body: passwordAuth(user, password, project) });
  return {
    app,
    conn,
    db,
    conf,
    boot,
    call,
    login,
    async token(user, password, project = null) {
      const res = await login(user, password, project);
      if (res.statusCode !== 201) throw new Error(`login of ${user} failed: ${res.statusCode} ${res.body}`);
      return res.headers['x-subject-token'] as string;
    },
    async close() {
      await app.close();
      await conn.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The parsed JSON body of a response. */
export function json<T = Record<string, unknown>>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}
