/**
 * nova-spicehtml5proxy: serves Debian's spice-html5 client (package
 * spice-html5, `[spice] html5_dir`, default /usr/share/spice-html5) and
 * relays its websocket to the guest's SPICE server. spice_auto.html puts
 * the token of `?token=<t>` in a cookie and connects to /websockify, so the
 * token is read from the cookie there.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NovaConfig } from '../conf/loader.ts';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import type { TlsFiles } from '../http/tls.ts';
import type { Logger } from '../log.ts';
import { ConsoleProxy } from './relay.ts';
import { sendText, serveFile } from './static.ts';

/** spice-html5's files from `dir`; a clear 404 when the package is not installed. */
export function spiceHttpHandler(dir: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    if (!fs.existsSync(dir)) return sendText(res, 404, `spice-html5 is not installed (${dir} is missing; install the Debian package spice-html5)`);
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const p = url.pathname === '/' ? '/spice_auto.html' : url.pathname;
    if (serveFile(res, dir, p, method)) return;
    sendText(res, 404, 'Not found');
  };
}

/** The nova-spicehtml5proxy server on `[spice] html5proxy_host:html5proxy_port`. */
export function spiceProxy(conf: NovaConfig, consoleauth: Pick<ConsoleAuthAPI, 'check_token'>, log: Logger, tls: TlsFiles | null = null): ConsoleProxy {
  const s = conf.spice;
  if (!fs.existsSync(s.html5_dir)) log.warn({ dir: s.html5_dir }, 'spice-html5 is not installed: the websocket relay works, the web page is missing');
  return new ConsoleProxy({
    name: 'nova-spicehtml5proxy',
    consoleType: 'spice-html5',
    listenHost: s.html5proxy_host,
    listenPort: s.html5proxy_port,
    baseUrl: s.html5proxy_base_url,
    allowedOrigins: conf.console.allowed_origins,
    consoleauth,
    log,
    tls,
    serveHttp: spiceHttpHandler(s.html5_dir),
  });
}
