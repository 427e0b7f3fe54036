/**
 * nova-novncproxy: serves the noVNC web client and relays its websocket to
 * the guest's VNC server.
 *
 * Which noVNC: the npm package `@novnc/novnc`, pinned exactly in
 * package.json (1.7.0), not Debian's `novnc`. Reasons: `npm ci` installs it
 * on every machine with the rest of the project (no system package to keep
 * in step, and Debian's pulls in python3-novnc, websockify and numpy we do
 * not use); it is current noVNC (bookworm has 1.3.0); it is plain browser
 * ES modules with no Node engine requirement, so Node 20 does not matter.
 * The npm package ships the library (core/, vendor/) but no HTML app, so
 * the page (vnc_lite.html, also answered as vnc_auto.html) is ours, in
 * novnc-page.ts, with noVNC's query parameters and status texts.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { NovaConfig } from '../conf/loader.ts';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import type { TlsFiles } from '../http/tls.ts';
import type { Logger } from '../log.ts';
import { VNC_LITE_HTML } from './novnc-page.ts';
import { ConsoleProxy } from './relay.ts';
import { sendHtml, sendText, serveFile } from './static.ts';

/** The directory of the installed @novnc/novnc package (core/, vendor/). */
export function novncDir(): string {
  const entry = createRequire(import.meta.url).resolve('@novnc/novnc');
  return path.dirname(path.dirname(entry));
}

/** The noVNC page and library files; anything else is 404. */
export function novncHttpHandler(dir: string = novncDir()): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const p = url.pathname;
    if (p === '/') {
      res.writeHead(302, { Location: `vnc_lite.html${url.search}` });
      return void res.end();
    }
    if (p === '/vnc_lite.html' || p === '/vnc_auto.html' || p === '/vnc.html') return sendHtml(res, VNC_LITE_HTML);
    if ((p.startsWith('/core/') || p.startsWith('/vendor/')) && serveFile(res, dir, p, method)) return;
    sendText(res, 404, 'Not found');
  };
}

/** The nova-novncproxy server on `[vnc] novncproxy_host:novncproxy_port`. */
export function novncProxy(conf: NovaConfig, consoleauth: Pick<ConsoleAuthAPI, 'check_token'>, log: Logger, tls: TlsFiles | null = null): ConsoleProxy {
  return new ConsoleProxy({
    name: 'nova-novncproxy',
    consoleType: 'novnc',
    listenHost: conf.vnc.novncproxy_host,
    listenPort: conf.vnc.novncproxy_port,
    baseUrl: conf.vnc.novncproxy_base_url,
    allowedOrigins: conf.console.allowed_origins,
    consoleauth,
    log,
    tls,
    serveHttp: novncHttpHandler(),
  });
}
