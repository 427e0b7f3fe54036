import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { loadConfig } from '../../src/conf/loader.ts';
import { novncProxy } from '../../src/console/novnc.ts';
import type { ConsoleProxy } from '../../src/console/relay.ts';
import { serialProxy } from '../../src/console/serial.ts';
import { silentLogger } from '../../src/log.ts';
import type { ConsoleConnectInfo } from '../../src/objects/console-auth-token.ts';

/** The proxies against a stand-in console (a unix socket echo server) and a stand-in nova-consoleauth. */
describe('console proxies: token and Origin checks before any connection, then a byte relay', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-proxy-'));
  const sock = path.join(dir, 'console.sock');
  let connections = 0;
  const backend = net.createServer((s) => {
    connections++;
    s.write('HELLO');
    s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
  });
  const grants = new Map<string, ConsoleConnectInfo>();
  const consoleauth = { check_token: async (_ctx: unknown, a: { token: string }) => grants.get(a.token) ?? null };
  const conf = loadConfig({
    overrides: {
      vnc: { novncproxy_host: '127.0.0.1', novncproxy_port: '0' },
      serial_console: { serialproxy_host: '127.0.0.1', serialproxy_port: '0' },
      console: { allowed_origins: 'console.example.org' },
    },
  });
  let vnc: ConsoleProxy;
  let serial: ConsoleProxy;
  const grant = (type: ConsoleConnectInfo['console_type'], base: string, p = sock): ConsoleConnectInfo => ({
    instance_uuid: 'b9f5b5a2-0d0e-4f0c-9d55-000000000001',
    console_type: type,
    host: '127.0.0.1',
    port: 0,
    internal_access_path: p,
    access_url_base: base,
    expires: Math.floor(Date.now() / 1000) + 600,
  });

  before(async () => {
    await new Promise<void>((r) => backend.listen(sock, r));
    vnc = novncProxy(conf, consoleauth, silentLogger());
    serial = serialProxy(conf, consoleauth, silentLogger());
    await vnc.start();
    await serial.start();
    grants.set('vnc-token-0123456789abcdef', grant('novnc', `${vnc.url}/vnc_lite.html`));
    grants.set('serial-token-0123456789abcdef', grant('serial', serial.url.replace('http', 'ws')));
    grants.set('dead-console-0123456789abcdef', grant('serial', serial.url.replace('http', 'ws'), path.join(dir, 'missing.sock')));
  });
  after(async () => {
    await vnc.stop();
    await serial.stop();
    backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Open a websocket; resolves with the socket or the HTTP status of the refusal. */
  function open(url: string, headers: Record<string, string> = {}): Promise<{ ws?: WebSocket; status?: number; body?: string }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, ['binary'], { headers });
      const inbox: string[] = [];
      const waiting: ((s: string) => void)[] = [];
      ws.on('message', (d: Buffer) => {
        const w = waiting.shift();
        if (w) w(d.toString());
        else inbox.push(d.toString());
      });
      received.set(ws, () => new Promise<string>((r) => (inbox.length ? r(inbox.shift() as string) : waiting.push(r))));
      ws.on('open', () => resolve({ ws }));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (b: Buffer) => {
          body += b.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      ws.on('error', () => resolve({ status: -1 }));
    });
  }

  const received = new WeakMap<WebSocket, () => Promise<string>>();
  const firstMessage = (ws: WebSocket) => (received.get(ws) as () => Promise<string>)();

  it('relays bytes both ways for a valid token, with the binary subprotocol', async () => {
    const wsUrl = `${vnc.url.replace('http', 'ws')}/?token=vnc-token-0123456789abcdef`;
    const { ws } = await open(wsUrl, { Origin: vnc.url });
    assert.ok(ws);
    assert.equal(ws.protocol, 'binary');
    assert.equal(await firstMessage(ws), 'HELLO');
    ws.send(Buffer.from('ping'));
    assert.equal(await firstMessage(ws), 'echo:ping');
    ws.close();
  });

  it('refuses a made-up token, an expired one and another console type with 401, before connecting', async () => {
    const before = connections;
    const base = vnc.url.replace('http', 'ws');
    for (const t of ['made-up-token-0123456789abcdef', '', 'serial-token-0123456789abcdef']) {
      const r = await open(`${base}/?token=${t}`);
      assert.equal(r.status, 401, `token ${t}: ${r.body}`);
    }
    assert.equal(connections, before, 'no connection reached the console');
  });

  it('refuses a foreign Origin with 403 and accepts allowed_origins and Origin-less clients', async () => {
    const before = connections;
    const url = `${serial.url.replace('http', 'ws')}/?token=serial-token-0123456789abcdef`;
    const bad = await open(url, { Origin: 'http://evil.example.com' });
    assert.equal(bad.status, 403);
    assert.match(bad.body ?? '', /Origin header does not match this host/);
    const badScheme = await open(url, { Origin: serial.url.replace('http', 'https') });
    assert.equal(badScheme.status, 403);
    assert.equal(connections, before);
    for (const headers of [{ Origin: 'http://console.example.org' }, {} as Record<string, string>]) {
      const { ws } = await open(url, headers);
      assert.ok(ws);
      assert.equal(await firstMessage(ws), 'HELLO');
      ws.close();
    }
  });

  it('answers 400 to a malformed handshake without opening the console', async () => {
    const before = connections;
    const { port } = new URL(vnc.url);
    const reply = await new Promise<string>((resolve) => {
      const c = net.connect(Number(port), '127.0.0.1', () =>
        c.write('GET /?token=vnc-token-0123456789abcdef HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
      );
      let text = '';
      c.on('data', (d) => {
        text += d.toString();
      });
      c.on('close', () => resolve(text));
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.equal(connections, before);
  });

  it('reads the token from the cookie (spice-html5) and answers 502 when the console is gone', async () => {
    const { ws } = await open(`${serial.url.replace('http', 'ws')}/websockify`, { Cookie: 'other=1; token=serial-token-0123456789abcdef' });
    assert.ok(ws);
    ws.close();
    const dead = await open(`${serial.url.replace('http', 'ws')}/?token=dead-console-0123456789abcdef`);
    assert.equal(dead.status, 502);
  });

  it('serves the noVNC page and library, and nothing outside them', async () => {
    const page = await fetch(`${vnc.url}/vnc_lite.html?path=%3Ftoken%3Dx`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /import RFB from '\.\/core\/rfb\.js'/);
    assert.equal((await fetch(`${vnc.url}/vnc_auto.html`)).status, 200);
    const rfb = await fetch(`${vnc.url}/core/rfb.js`);
    assert.equal(rfb.status, 200);
    assert.match(rfb.headers.get('content-type') ?? '', /javascript/);
    for (const p of ['/core/../package.json', '/core/%2e%2e/package.json', '/vendor/../../package.json', '/etc/passwd']) {
      assert.equal((await fetch(`${vnc.url}${p}`)).status, 404, p);
    }
    assert.equal((await fetch(serial.url)).status, 400);
  });
});
