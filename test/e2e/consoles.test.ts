import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { certRpcApi } from '../../src/cert/rpcapi.ts';
import { makeTransport } from '../../src/cmd/transport.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { consoleAuthRpcApi } from '../../src/consoleauth/rpcapi.ts';
import { adminContext } from '../../src/context.ts';
import { silentLogger } from '../../src/log.ts';
import type { Transport } from '../../src/rpc/transport.ts';
import { createRabbitVhost, dropMysqlDatabase, mysqlSkip, mysqlUrl, rabbitSkip, uniqueName } from '../support/backends.ts';
import { type Binary, Daemon, parseTable, run, tmpDir, until, writeConf } from '../support/procs.ts';

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * nova-consoleauth, nova-cert and nova-novncproxy as their own processes
 * over RabbitMQ and MariaDB: tokens issued over the bus open the proxy to a
 * (stand-in) VNC server, made-up ones do not; nova-cert signs over the bus;
 * the services register and stop cleanly.
 */
describe('console daemons as separate processes over RabbitMQ and MariaDB', () => {
  let skip: string | undefined;
  const dbName = uniqueName('nova_cons');
  let vhost: ReturnType<typeof createRabbitVhost> | null = null;
  const daemons: Daemon[] = [];
  let dir = '';
  let transport: Transport | null = null;
  const vnc = net.createServer((s) => {
    vncConnections++;
    s.write('RFB 003.008\n');
  });
  let vncConnections = 0;

  before(async () => {
    skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    vhost = createRabbitVhost();
    dir = tmpDir('nova-cons-e2e-');
    await new Promise<void>((r) => vnc.listen(path.join(dir, 'vnc.sock'), r));
  });
  after(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await transport?.close();
    vnc.close();
    if (!skip) {
      await dropMysqlDatabase(dbName);
      vhost?.drop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('issue and check tokens over the bus, relay for a good one, refuse a made-up one, sign certificates', async (t) => {
    if (skip) return t.skip(skip);
    const port = await freePort();
    const sections = {
      DEFAULT: { host: 'controller', transport_url: vhost?.url ?? '', report_interval: 1, state_path: path.join(dir, 'state'), graceful_shutdown_timeout: 10 },
      database: { connection: mysqlUrl(dbName) },
      vnc: { novncproxy_host: '127.0.0.1', novncproxy_port: port, novncproxy_base_url: `http://127.0.0.1:${port}/vnc_lite.html` },
    };
    const conf = writeConf(path.join(dir, 'nova.conf'), sections);
    const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    // These binaries are not in procs.ts's Binary list (that file belongs to the lifecycle work).
    for (const bin of ['nova-consoleauth', 'nova-cert', 'nova-novncproxy']) daemons.push(new Daemon(bin, bin as unknown as Binary, ['--config-file', conf]));
    await Promise.all([daemons[0]?.waitFor(/service started/), daemons[1]?.waitFor(/service started/), daemons[2]?.waitFor(/listening/)]);

    transport = makeTransport(loadConfig({ files: [conf] }), silentLogger());
    await transport.connect();
    const consoleauth = consoleAuthRpcApi(transport, 10_000);
    const ctx = adminContext();
    const token = await consoleauth.authorize_console(ctx, {
      instance_uuid: 'c0c0c0c0-0000-4000-8000-000000000001',
      console_type: 'novnc',
      host: '127.0.0.1',
      port: 0,
      internal_access_path: path.join(dir, 'vnc.sock'),
      access_url_base: `http://127.0.0.1:${port}/vnc_lite.html`,
    });
    assert.equal((await consoleauth.check_token(ctx, { token }))?.internal_access_path, path.join(dir, 'vnc.sock'));

    const open = (tok: string) =>
      new Promise<{ greeting?: string; status?: number }>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/?token=${tok}`, ['binary'], { headers: { Origin: `http://127.0.0.1:${port}` } });
        ws.on('message', (d: Buffer) => {
          ws.close();
          resolve({ greeting: d.toString() });
        });
        ws.on('unexpected-response', (_q, res) => resolve({ status: res.statusCode }));
        ws.on('error', () => resolve({ status: -1 }));
      });
    assert.deepEqual(await open(token), { greeting: 'RFB 003.008\n' });
    const seen = vncConnections;
    assert.deepEqual(await open('madeUpToken0123456789abcdefghijklmnopqrstuv'), { status: 401 });
    assert.equal(vncConnections, seen, 'a made-up token never reaches the VNC server');
    await consoleauth.delete_tokens_for_instance(ctx, { instance_uuid: 'c0c0c0c0-0000-4000-8000-000000000001' });
    await until(async () => (await consoleauth.check_token(ctx, { token })) === null, 10_000, 'the token revoked');

    const cert = certRpcApi(transport, 10_000);
    const root = new X509Certificate(await cert.fetch_ca(ctx, { project_id: 'p1' }));
    const issued = await cert.generate_x509_cert(ctx, { user_id: 'u1', project_id: 'p1' });
    assert.ok(new X509Certificate(issued.certificate).verify(root.publicKey));

    const rows = await until(
      async () => {
        const r = await run('nova-manage', ['--config-file', conf, 'service', 'list']);
        const l = parseTable(r.stdout);
        return l.length === 2 && l.every((x) => x.State === 'up') ? l : null;
      },
      20_000,
      'nova-consoleauth and nova-cert up',
    );
    assert.deepEqual(rows.map((r) => r.Binary).sort(), ['nova-cert', 'nova-consoleauth']);
    for (const d of daemons) {
      const r = await d.stop();
      assert.equal(r.code, 0, `${d.name} exits 0 on SIGTERM:\n${d.tail()}`);
    }
  });
});
