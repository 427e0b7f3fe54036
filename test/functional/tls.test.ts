import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { buildApi } from '../../src/cmd/build-api.ts';
import { consoleProxyService } from '../../src/cmd/services/console-proxy.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { CONSOLEAUTH_RPC_VERSION, CONSOLEAUTH_TOPIC } from '../../src/consoleauth/rpc-types.ts';
import { DbApi } from '../../src/db/api/index.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { syncSchema } from '../../src/db/migrate.ts';
import { ConfigError } from '../../src/exception/base.ts';
import { listenHttp } from '../../src/http/listen.ts';
import { silentLogger } from '../../src/log.ts';
import { MemoryTransport } from '../../src/rpc/memory.ts';
import { RpcServer } from '../../src/rpc/server.ts';
import { run, tmpDir, writeConf } from '../support/procs.ts';

function get(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** TLS with certificates from nova-cert's CA: the console proxies ([DEFAULT] cert/key, ssl_only) and nova-api ([wsgi]). */
describe('TLS from the CA', () => {
  const dir = tmpDir('nova-tls-');
  const certFile = path.join(dir, 'server.pem');
  const keyFile = path.join(dir, 'server.key');
  let ca: Buffer;

  before(async () => {
    const conf = writeConf(path.join(dir, 'nova.conf'), { DEFAULT: { state_path: dir } });
    const r = await run('nova-manage', [
      '--config-file',
      conf,
      'cert',
      'issue-server',
      '--common-name',
      'localhost',
      '--alt-name',
      '127.0.0.1',
      '--cert-file',
      certFile,
      '--key-file',
      keyFile,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Issued .*server\.pem \(CN=localhost\)/);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    ca = fs.readFileSync(path.join(dir, 'CA', 'cacert.pem'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('nova-novncproxy serves https and wss with a certificate the CA vouches for', async () => {
    const conf = loadConfig({
      overrides: { DEFAULT: { state_path: dir, cert: certFile, key: keyFile, ssl_only: 'true' }, vnc: { novncproxy_host: '127.0.0.1', novncproxy_port: '0' } },
    });
    // A stand-in nova-consoleauth that knows no token.
    const bus = new MemoryTransport('memory:///tls');
    const consoleauth = new RpcServer(bus, CONSOLEAUTH_TOPIC, 'h', [{ version: CONSOLEAUTH_RPC_VERSION, methods: { check_token: async () => null } }], silentLogger());
    await consoleauth.start();
    const svc = consoleProxyService('novnc', conf, new MemoryTransport('memory:///tls'), silentLogger());
    await svc.start();
    try {
      assert.match(svc.proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const page = await get(`${svc.proxy.url}/vnc_lite.html`, ca);
      assert.equal(page.status, 200);
      assert.match(page.body, /<html/i);
      // A websocket over TLS reaches the token check (and is refused there: made-up token).
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${svc.proxy.url.replace('https', 'wss')}/websockify?token=made-up`, ['binary'], { ca, origin: svc.proxy.url });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error('a made-up token was accepted')));
        ws.on('error', () => {});
      });
      assert.equal(status, 401);
    } finally {
      await svc.stop();
      await consoleauth.stop();
    }
  });

  it('ssl_only without a certificate is a configuration error', () => {
    const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir, ssl_only: 'true' } } });
    assert.throws(
      () => consoleProxyService('novnc', conf, new MemoryTransport('memory:///tls2'), silentLogger()),
      (e: unknown) => e instanceof ConfigError && /ssl_only/.test(e.message),
    );
  });

  it('nova-api serves https with [wsgi] ssl_cert_file and links say https', async () => {
    const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir }, wsgi: { ssl_cert_file: certFile, ssl_key_file: keyFile }, api: { auth_strategy: 'noauth2' } } });
    const conn = await openDatabase(`sqlite:///${dir}/nova.sqlite`);
    await syncSchema(conn);
    const app = buildApi({ conf, db: new DbApi(conn), log: silentLogger() });
    try {
      const url = await listenHttp(app, '127.0.0.1', 0, '[api] osapi_compute_listen', '127.0.0.1');
      assert.match(url, /^https:/);
      const r = await get(`${url}/`, ca);
      assert.equal(r.status, 200);
      assert.match(r.body, /"href":"https:\/\/127\.0\.0\.1:\d+\/v2\.1\/"/);
    } finally {
      await app.close();
      await conn.close();
    }
  });

  it('a missing certificate file names the option', () => {
    const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir, cert: '/nonexistent.pem' } } });
    assert.throws(() => consoleProxyService('novnc', conf, new MemoryTransport('memory:///tls3'), silentLogger()), /\[DEFAULT\] cert \/nonexistent\.pem: no such file/);
  });
});
