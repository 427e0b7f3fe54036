import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTransport } from '../../src/cmd/transport.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { type XvpVncProxy, xvpVncProxy } from '../../src/console/xvpvnc.ts';
import { consoleAuthRpcApi } from '../../src/consoleauth/rpcapi.ts';
import { silentLogger } from '../../src/log.ts';
import type { Transport } from '../../src/rpc/transport.ts';
import { qemuSkip, uniqueName } from '../support/backends.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { CONSOLE_DRIVER, consoleEndpoints } from '../support/console-driver.ts';
import { type Guest, startGuest } from '../support/console-guest.ts';
import { freePort, onCleanup } from '../support/procs.ts';

const TTL = 8;

/** undefined when socat and vncsnapshot are installed; otherwise the skip reason (an error where backends are required, as in CI). */
function toolsSkip(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v socat && command -v vncsnapshot'], { stdio: 'ignore' });
    return undefined;
  } catch {
    const reason = 'SKIPPED: socat or vncsnapshot not installed (Debian packages socat, vncsnapshot)';
    if (process.env.NOVA_TEST_REQUIRE_BACKENDS === '1') throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
    process.stderr.write(`# ${reason}\n`);
    return reason;
  }
}

/** Send an HTTP request head to the proxy and read what comes back (until `want` bytes after the head, or the close). */
function exchange(port: number, head: string, after = 0, timeoutMs = 10_000): Promise<{ status: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer: ${buf.toString('latin1')}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      const end = buf.indexOf('\r\n\r\n');
      resolve({ status: buf.subarray(0, buf.indexOf('\r\n')).toString('latin1'), rest: end < 0 ? Buffer.alloc(0) : buf.subarray(end + 4) });
      s.destroy();
    };
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0 && buf.length - end - 4 >= after) done();
    });
    s.on('close', done);
    s.on('error', reject);
    s.write(head);
  });
}

/**
 * nova-xvpvncproxy against a real QEMU guest: the API hands out the xvpvnc
 * URL (legacy os-getVNCConsole and remote-consoles protocol vnc), the
 * proxy checks the token with nova-consoleauth and relays RFB to QEMU's VNC
 * server. Checked by hand (the RFB version greeting after the 200) and with
 * Debian tools: socat's HTTP CONNECT proxy address in front of vncsnapshot,
 * which takes a screenshot of the guest. A made-up, a missing, a noVNC and
 * an expired token are refused.
 */
describe('nova-xvpvncproxy with native VNC tools, against a real guest', () => {
  let skip: string | undefined;
  let guest: Guest | undefined;
  let transport: Transport | undefined;
  let proxy: XvpVncProxy | undefined;
  let cloud: Cloud | undefined;
  let api: ApiClient;
  let server = '';
  let port = 0;

  before(async () => {
    skip = (await qemuSkip()) ?? toolsSkip();
    if (skip) return;
    guest = await startGuest();
    const bus = `memory:///${uniqueName('xvpvnc')}`;
    const conf = loadConfig({ overrides: { DEFAULT: { transport_url: bus }, vnc: { xvpvncproxy_host: '127.0.0.1', xvpvncproxy_port: '0' } } });
    transport = makeTransport(conf, silentLogger());
    proxy = xvpVncProxy(conf, consoleAuthRpcApi(transport, 10_000), silentLogger());
    await proxy.start();
    port = Number(proxy.url.split(':').at(-1));
    consoleEndpoints.set('novnc', { host: '127.0.0.1', port: 0, path: guest.vnc });
    cloud = await startCloud({
      transportUrl: bus,
      overrides: {
        DEFAULT: { compute_driver: CONSOLE_DRIVER },
        vnc: { xvpvncproxy_base_url: `http://127.0.0.1:${port}/console` },
        consoleauth: { token_ttl: String(TTL) },
      },
    });
    api = new ApiClient(cloud.url);
    server = await api.boot('xvpvnc-guest');
    await api.waitFor(server, ['ACTIVE']);
    await guest.waitForLog(/NOVA-GUEST-BOOT-OK[^\n]*/);
  });
  after(async () => {
    await cloud?.stop();
    await proxy?.stop();
    await transport?.close();
    await guest?.stop();
    consoleEndpoints.delete('novnc');
  });

  const xvpUrl = async (): Promise<string> => {
    const r = await api.post<{ console: { type: string; url: string } }>(`/servers/${server}/action`, { 'os-getVNCConsole': { type: 'xvpvnc' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.console.type, 'xvpvnc');
    assert.match(r.body.console.url, new RegExp(`^http://127\\.0\\.0\\.1:${port}/console\\?token=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    return r.body.console.url;
  };

  it('relays RFB after a CONNECT with the token of the console URL', async (t) => {
    if (skip) return t.skip(skip);
    const url = new URL(await xvpUrl());
    const r = await exchange(port, `CONNECT ${url.pathname}${url.search} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 12);
    assert.equal(r.status, 'HTTP/1.1 200 OK');
    assert.match(r.rest.subarray(0, 12).toString('latin1'), /^RFB 003\.00\d\n$/);
    const rc = await api
      .at('2.6')
      .post<{ remote_console: { protocol: string; type: string; url: string } }>(`/servers/${server}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'xvpvnc' } });
    assert.equal(rc.status, 200, JSON.stringify(rc.body));
    assert.deepEqual([rc.body.remote_console.protocol, rc.body.remote_console.type], ['vnc', 'xvpvnc']);
  });

  it('takes a screenshot of the guest with vncsnapshot through socat’s HTTP CONNECT proxy address', async (t) => {
    if (skip) return t.skip(skip);
    const token = new URL(await xvpUrl()).searchParams.get('token') ?? '';
    const local = await freePort();
    const socat: ChildProcess = spawn('socat', [`TCP-LISTEN:${local},bind=127.0.0.1,reuseaddr,fork`, `PROXY:127.0.0.1:${token}:5900,proxyport=${port}`], { stdio: 'ignore' });
    const unregister = onCleanup('socat', async () => void socat.kill('SIGKILL'));
    try {
      await sleep(300);
      const shot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nova-xvp-')), 'guest.jpg');
      const r = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile('vncsnapshot', ['-quiet', `127.0.0.1::${local}`, shot], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` })),
      );
      assert.equal(r.code, 0, r.out);
      const jpeg = fs.readFileSync(shot);
      assert.ok(jpeg.length > 1000, `a real picture (${jpeg.length} bytes)`);
      assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
      fs.rmSync(path.dirname(shot), { recursive: true, force: true });
    } finally {
      socat.kill('SIGKILL');
      unregister();
    }
  });

  it('refuses a missing, a made-up and a noVNC token before opening the guest, and the token once it expired', async (t) => {
    if (skip) return t.skip(skip);
    const url = new URL(await xvpUrl());
    const issued = Date.now();
    assert.equal((await exchange(port, 'CONNECT /console HTTP/1.1\r\n\r\n')).status, 'HTTP/1.1 400 Invalid Request');
    const madeUp = await exchange(port, `CONNECT /console?token=${'x'.repeat(43)} HTTP/1.1\r\n\r\n`);
    assert.equal(madeUp.status, 'HTTP/1.1 401 Not Authorized');
    assert.ok(!madeUp.rest.toString('latin1').includes('RFB'));
    const novnc = await api.at('2.6').post<{ remote_console: { url: string } }>(`/servers/${server}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } });
    const novncToken = decodeURIComponent(novnc.body.remote_console.url).split('token=')[1] ?? '';
    assert.equal((await exchange(port, `CONNECT /console?token=${novncToken} HTTP/1.1\r\n\r\n`)).status, 'HTTP/1.1 401 Not Authorized');
    await sleep(Math.max(0, issued + (TTL + 1) * 1000 - Date.now()));
    assert.equal((await exchange(port, `CONNECT ${url.pathname}${url.search} HTTP/1.1\r\n\r\n`)).status, 'HTTP/1.1 401 Not Authorized');
  });
});
