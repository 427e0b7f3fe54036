/**
 * The `openstack` and `nova` clients and raw HTTP with a token against a
 * KeystoneCluster, for the e2e tests of the volume APIs: each call as it
 * runs, its refusal checked as the client prints Nova's fault
 * ("<message> (HTTP <status>)"); and their common set-up (volumeCloud: the
 * backends checked, the cloud with nova-volume started and stopped).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip, volumeToolsSkip } from './backends.ts';
import { type KeystoneCluster, type KeystoneClusterOptions, startKeystoneCluster } from './keystone-cluster.ts';
import { runProgram, until } from './procs.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are walked freely in tests; every value read is asserted.
export type Json = Record<string, any>;
export type Ran = { code: number | null; stdout: string; stderr: string };

export class VolumeCli {
  private token: string | undefined;
  constructor(
    private readonly cloud: KeystoneCluster,
    private readonly env: Record<string, string> = cloud.adminEnv,
  ) {}

  /** `openstack …` (exit 0 unless expectOk is false). */
  async os(args: string[], expectOk = true): Promise<Ran> {
    const r = await runProgram('openstack', args, this.env);
    if (expectOk) assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  }
  async osJson<T = Json>(args: string[]): Promise<T> {
    return JSON.parse((await this.os([...args, '-f', 'json'])).stdout) as T;
  }
  /** `nova …`. */
  async nova(args: string[], expectOk = true): Promise<Ran> {
    const r = await runProgram('nova', args, this.env);
    if (expectOk) assert.equal(r.code, 0, `nova ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** A request to the compute API with the caller's token at a microversion. */
  async api(method: string, path: string, body?: unknown, version = '2.1'): Promise<{ status: number; body: Json }> {
    this.token ??= (await this.os(['token', 'issue', '-f', 'value', '-c', 'id'])).stdout.trim();
    const headers: Record<string, string> = { 'x-auth-token': this.token, 'openstack-api-version': `compute ${version}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${this.cloud.computeUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? (JSON.parse(text) as Json) : {} };
  }

  /** The same clients with another environment (another user's). */
  as(env: Record<string, string>): VolumeCli {
    return new VolumeCli(this.cloud, env);
  }

  /** A public raw image `name` of 1 MiB of the byte `fill`, uploaded from a file in the cloud's directory; `args` go before the name. */
  async rawImage(name: string, fill: number, args: string[] = []): Promise<void> {
    const file = path.join(this.cloud.dir, `${name}.raw`);
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, fill));
    await this.os(['image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', '--public', ...args, name]);
  }

  /** The volume's (or snapshot's, or image's) status once it is `status` (an error status fails). */
  volumeStatus(name: string, status: string, kind: 'volume' | 'volume snapshot' | 'image' = 'volume'): Promise<Json> {
    return until(
      async () => {
        const v = await this.osJson([...kind.split(' '), 'show', name]);
        assert.ok(!String(v.status).startsWith('error'), `${kind} ${name} went to ${String(v.status)}`);
        return v.status === status ? v : null;
      },
      90_000,
      `${kind} ${name} ${status}`,
      500,
    );
  }

  /** The server once its status is `status`. */
  serverStatus(name: string, status: string): Promise<Json> {
    return until(async () => ((await this.osJson(['server', 'show', name])).status === status ? this.osJson(['server', 'show', name]) : null), 60_000, `${name} ${status}`, 500);
  }
}

/** The message of a fault body ({"badRequest": {"code", "message"}}). */
export const faultMessage = (b: Json): string => String((Object.values(b)[0] as Json | undefined)?.message);

/** A client's refusal: a non-zero exit and Nova's message with its status as the client prints them. */
export function refused(r: Ran, status: number, message: string): void {
  assert.notEqual(r.code, 0, `expected a refusal: ${r.stdout}`);
  assert.ok(r.stderr.includes(message), `expected "${message}" in:\n${r.stderr}`);
  // novaclient and OSC's older commands: "<message> (HTTP 400)"; OSC's SDK-based ones: "BadRequestException: 400: Client Error for url: …, <message>".
  assert.ok(r.stderr.includes(`(HTTP ${status})`) || r.stderr.includes(`: ${status}: Client Error`), `expected HTTP ${status} in:\n${r.stderr}`);
}

/** What volumeCloud's before() made, read in the tests (the cloud and its clients throw until it has started). */
export interface VolumeCloud {
  /** Why the tests skip (a backend or tool missing), or undefined. */
  readonly skip: string | undefined;
  readonly cloud: KeystoneCluster;
  /** The clients as the admin. */
  readonly cli: VolumeCli;
}

/**
 * The volume e2e tests' set-up, called in their describe: its before()
 * checks the openstack client, MariaDB, RabbitMQ and the volume tools (the
 * first missing is the skip), then starts a KeystoneCluster with
 * nova-volume (`options` added) and the admin's clients; its after() stops
 * the cloud. Each test begins `if (v.skip) return t.skip(v.skip);`.
 */
export function volumeCloud(options: Omit<KeystoneClusterOptions, 'volume'> = {}): VolumeCloud {
  let skip: string | undefined;
  let started: { cloud: KeystoneCluster; cli: VolumeCli } | undefined;
  const get = (): { cloud: KeystoneCluster; cli: VolumeCli } => {
    if (!started) throw new Error('the volume cloud has not started (skipped, or before() failed)');
    return started;
  };
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip()) ?? volumeToolsSkip();
    if (skip) return;
    const cloud = await startKeystoneCluster({ ...options, volume: true });
    started = { cloud, cli: new VolumeCli(cloud) };
  });
  after(async () => {
    await started?.cloud.stop();
  });
  return {
    get skip() {
      return skip;
    },
    get cloud() {
      return get().cloud;
    },
    get cli() {
      return get().cli;
    },
  };
}
