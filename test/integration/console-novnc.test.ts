import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { makeTransport } from '../../src/cmd/transport.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { novncProxy } from '../../src/console/novnc.ts';
import type { ConsoleProxy } from '../../src/console/relay.ts';
import { consoleAuthRpcApi } from '../../src/consoleauth/rpcapi.ts';
import { silentLogger } from '../../src/log.ts';
import type { Transport } from '../../src/rpc/transport.ts';
import { chromiumSkip, qemuSkip, uniqueName } from '../support/backends.ts';
import { launchBrowser } from '../support/browser.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { CONSOLE_DRIVER, consoleEndpoints } from '../support/console-driver.ts';
import { type Guest, startGuest } from '../support/console-guest.ts';
import { decodePng, pixelStats, rows } from '../support/png.ts';

const TTL = 8;

/**
 * The whole noVNC path with a real guest: the API hands out the console URL
 * (nova-compute's endpoint is the guest's VNC unix socket), headless
 * Chromium opens it, nova-novncproxy checks the token with nova-consoleauth
 * and relays to QEMU's VNC; the page says it is connected and its
 * screenshot shows the guest's banner. Expired and made-up tokens are refused.
 */
describe('nova-novncproxy in a browser, against a real guest', () => {
  let skip: string | undefined;
  let guest: Guest | undefined;
  let transport: Transport | undefined;
  let proxy: ConsoleProxy | undefined;
  let cloud: Cloud | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let api: ApiClient;
  let server = '';
  /** The last screenshot, kept for a look when the pixel check fails. */
  const shotFile = path.join(os.tmpdir(), 'nova-novnc-console.png');

  before(async () => {
    skip = (await qemuSkip()) ?? (await chromiumSkip());
    if (skip) return;
    guest = await startGuest();
    const bus = `memory:///${uniqueName('novnc')}`;
    const proxyConf = loadConfig({ overrides: { DEFAULT: { transport_url: bus }, vnc: { novncproxy_host: '127.0.0.1', novncproxy_port: '0' } } });
    transport = makeTransport(proxyConf, silentLogger());
    proxy = novncProxy(proxyConf, consoleAuthRpcApi(transport, 10_000), silentLogger());
    await proxy.start();
    consoleEndpoints.set('novnc', { host: '127.0.0.1', port: 0, path: guest.vnc });
    cloud = await startCloud({
      transportUrl: bus,
      overrides: { DEFAULT: { compute_driver: CONSOLE_DRIVER }, vnc: { novncproxy_base_url: `${proxy.url}/vnc_lite.html` }, consoleauth: { token_ttl: String(TTL) } },
    });
    api = new ApiClient(cloud.url, 'admin:admin', '2.8');
    server = await api.boot('novnc-guest');
    await api.waitFor(server, ['ACTIVE']);
    browser = await launchBrowser();
    await guest.waitForLog(/NOVA-GUEST-BOOT-OK[^\n]*/);
  });
  after(async () => {
    await browser?.close();
    await cloud?.stop();
    await proxy?.stop();
    await transport?.close();
    await guest?.stop();
    consoleEndpoints.delete('novnc');
  });

  const consoleUrl = async (): Promise<string> => {
    const r = await api.post<{ remote_console: { url: string } }>(`/servers/${server}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.remote_console.url;
  };
  const status = async (page: Page) => (await page.locator('#status').textContent()) ?? '';
  /** Poll noVNC's status line until it matches. */
  const waitStatus = async (page: Page, re: RegExp, timeoutMs = 20_000): Promise<string> => {
    const end = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < end) {
      text = await status(page);
      if (re.test(text)) return text;
      await sleep(100);
    }
    throw new Error(`noVNC status stayed '${text}', never ${re}`);
  };

  /** The websocket upgrade's HTTP status for a token (101 → 'open'). */
  const upgradeStatus = (token: string, origin?: string) =>
    new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(`${proxy?.url.replace('http', 'ws')}/?token=${token}`, ['binary'], { headers: origin ? { Origin: origin } : {} });
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });

  it('connects, shows the guest banner, then refuses the URL once the token expired and a made-up token', async (t) => {
    if (skip) return t.skip(skip);
    const page = await (browser?.context.newPage() as Promise<Page>);
    const url = await consoleUrl();
    const issued = Date.now();
    assert.match(url, /\/vnc_lite\.html\?path=%3Ftoken%3D[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await page.goto(url);
    await waitStatus(page, /^Connected/);
    assert.match(await status(page), /^Connected to /);

    // The guest draws its "NOVA GUEST" banner (ASCII art, top ~100 rows of the 720x400 text screen); wait until the canvas shows it.
    const canvas = page.locator('#screen canvas');
    const measure = (shot: Buffer) => {
      const img = decodePng(shot);
      return { img, all: pixelStats(img), banner: pixelStats(rows(img, 0, 100)) };
    };
    let png = await canvas.screenshot();
    let m = measure(png);
    for (let i = 0; i < 40 && m.banner.bright < 4000; i++) {
      await sleep(500);
      png = await canvas.screenshot();
      m = measure(png);
    }
    const file = shotFile;
    fs.writeFileSync(file, png);
    assert.ok(m.img.width >= 640 && m.img.height >= 400, `the guest screen is ${m.img.width}x${m.img.height}`);
    assert.ok(m.banner.bright >= 4000, `the banner area has text (${m.banner.bright} bright pixels of ${m.banner.total}; see ${file})`);
    assert.ok(m.all.bright >= 8000 && m.all.bright < m.all.total * 0.5, `text on a dark screen, not a uniform image (${m.all.bright} of ${m.all.total})`);
    assert.ok(m.all.distinct >= 2, 'more than one colour');

    // A foreign Origin is refused even with a valid token.
    const token = decodeURIComponent(url).split('token=')[1] as string;
    assert.equal(await upgradeStatus(token, 'http://evil.example.com'), 403);

    // After token_ttl the same URL no longer connects.
    await sleep(Math.max(0, issued + (TTL + 1) * 1000 - Date.now()));
    assert.equal(await upgradeStatus(token), 401);
    await page.goto(url);
    await waitStatus(page, /Disconnected|Something went wrong/);
    assert.doesNotMatch(await status(page), /^Connected/);

    const madeUp = url.replace(/token%3D[A-Za-z0-9_-]+$/, 'token%3DmadeUpToken0123456789abcdefghijklmnopq');
    await page.goto(madeUp);
    await waitStatus(page, /Disconnected|Something went wrong/);
    assert.doesNotMatch(await status(page), /^Connected/);
    assert.equal(await upgradeStatus('madeUpToken0123456789abcdefghijklmnopq'), 401);
    await page.close();
  });
});
