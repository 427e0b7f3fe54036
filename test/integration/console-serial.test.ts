import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { makeTransport } from '../../src/cmd/transport.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import type { ConsoleProxy } from '../../src/console/relay.ts';
import { serialProxy } from '../../src/console/serial.ts';
import { spiceProxy } from '../../src/console/spice.ts';
import { consoleAuthRpcApi } from '../../src/consoleauth/rpcapi.ts';
import { silentLogger } from '../../src/log.ts';
import type { Transport } from '../../src/rpc/transport.ts';
import { qemuSkip, uniqueName } from '../support/backends.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { CONSOLE_DRIVER, consoleEndpoints } from '../support/console-driver.ts';
import { type Guest, startGuest } from '../support/console-guest.ts';

/** Open a console websocket (subprotocol binary) and collect what it receives. */
function connect(url: string): Promise<{ ws: WebSocket; text: () => string; bytes: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary']);
    const chunks: Buffer[] = [];
    ws.on('message', (d: Buffer) => chunks.push(d));
    ws.on('open', () => resolve({ ws, text: () => Buffer.concat(chunks).toString('utf8'), bytes: () => Buffer.concat(chunks) }));
    ws.on('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

async function until(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * nova-serialproxy and nova-spicehtml5proxy against a real guest: the API
 * hands out the console URLs, the proxies check the tokens with
 * nova-consoleauth and relay to QEMU's unix sockets.
 */
describe('serial and SPICE consoles over websockets, against a real guest', () => {
  let skip: string | undefined;
  let guest: Guest | undefined;
  let transport: Transport | undefined;
  const proxies: ConsoleProxy[] = [];
  let cloud: Cloud | undefined;
  let api: ApiClient;
  let server = '';

  before(async () => {
    skip = await qemuSkip();
    if (skip) return;
    guest = await startGuest({ spice: true });
    const bus = `memory:///${uniqueName('serial')}`;
    const conf = loadConfig({
      overrides: {
        DEFAULT: { transport_url: bus },
        serial_console: { serialproxy_host: '127.0.0.1', serialproxy_port: '0' },
        spice: { html5proxy_host: '127.0.0.1', html5proxy_port: '0' },
      },
    });
    transport = makeTransport(conf, silentLogger());
    const consoleauth = consoleAuthRpcApi(transport, 10_000);
    const serial = serialProxy(conf, consoleauth, silentLogger());
    const spice = spiceProxy(conf, consoleauth, silentLogger());
    for (const p of [serial, spice]) {
      await p.start();
      proxies.push(p);
    }
    consoleEndpoints.set('serial', { host: '127.0.0.1', port: 0, path: guest.serial });
    consoleEndpoints.set('spice-html5', { host: '127.0.0.1', port: 0, path: guest.spice as string });
    cloud = await startCloud({
      transportUrl: bus,
      overrides: {
        DEFAULT: { compute_driver: CONSOLE_DRIVER },
        serial_console: { enabled: 'true', base_url: `${serial.url.replace('http', 'ws')}/` },
        spice: { enabled: 'true', html5proxy_base_url: `${spice.url}/spice_auto.html` },
      },
    });
    api = new ApiClient(cloud.url, 'admin:admin', '2.6');
    server = await api.boot('serial-guest');
    await api.waitFor(server, ['ACTIVE']);
    await guest.waitForLog(/NOVA-GUEST-BOOT-OK/);
  });
  after(async () => {
    await cloud?.stop();
    for (const p of proxies) await p.stop();
    await transport?.close();
    await guest?.stop();
    consoleEndpoints.delete('serial');
    consoleEndpoints.delete('spice-html5');
  });

  it('types a command on the serial console and reads its output', async (t) => {
    if (skip) return t.skip(skip);
    const r = await api.post<{ remote_console: { url: string } }>(`/servers/${server}/remote-consoles`, { remote_console: { protocol: 'serial', type: 'serial' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const c = await connect(r.body.remote_console.url);
    assert.equal(c.ws.protocol, 'binary');
    c.ws.send(Buffer.from('\n'));
    await until('a shell prompt', () => c.text().includes('# '));
    c.ws.send(Buffer.from('echo NOVA-SERIAL-$RANDOM\n'));
    // The echoed command line shows "$RANDOM"; only the shell's output has digits there.
    await until('the command output', () => /NOVA-SERIAL-\d+/.test(c.text()));
    const out = /NOVA-SERIAL-(\d+)/.exec(c.text());
    assert.ok(out, c.text());
    assert.match(c.text(), /echo NOVA-SERIAL-\$RANDOM/, 'the typed command is echoed by the guest');
    c.ws.close();
  });

  it("relays SPICE: the guest's SPICE server answers a link message through nova-spicehtml5proxy", async (t) => {
    if (skip) return t.skip(skip);
    const r = await api.post<{ remote_console: { url: string } }>(`/servers/${server}/remote-consoles`, { remote_console: { protocol: 'spice', type: 'spice-html5' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const pageUrl = new URL(r.body.remote_console.url);
    assert.equal(pageUrl.pathname, '/spice_auto.html');
    const token = pageUrl.searchParams.get('token') as string;
    // spice-html5 keeps the token in a cookie and connects to /websockify.
    const ws = new WebSocket(`ws://${pageUrl.host}/websockify`, ['binary'], { headers: { Cookie: `token=${token}`, Origin: `http://${pageUrl.host}` } });
    const chunks: Buffer[] = [];
    ws.on('message', (d: Buffer) => chunks.push(d));
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    // SpiceLinkHeader (magic REDQ, version 2.2, size) + SpiceLinkMess for the main channel.
    const mess = Buffer.alloc(18);
    mess.writeUInt8(1, 4); // channel_type main
    mess.writeUInt32LE(18, 14); // caps_offset
    const head = Buffer.alloc(16);
    head.write('REDQ', 0, 'latin1');
    head.writeUInt32LE(2, 4);
    head.writeUInt32LE(2, 8);
    head.writeUInt32LE(mess.length, 12);
    ws.send(Buffer.concat([head, mess]));
    await until('the SPICE link reply', () => Buffer.concat(chunks).length >= 16);
    assert.equal(Buffer.concat(chunks).subarray(0, 4).toString('latin1'), 'REDQ');
    ws.close();
  });
});
