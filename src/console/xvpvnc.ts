/**
 * nova-xvpvncproxy: VNC for native (non-browser) clients, as Nova's
 * nova/vnc/xvp_proxy.py had it. A client opens a TCP connection to
 * `[vnc] xvpvncproxy_host:xvpvncproxy_port` and sends an HTTP request
 * head — `CONNECT /console?token=<t> HTTP/1.1`, the console URL's path and
 * query as Nova's xvpvnc clients sent it. HTTP-CONNECT proxy clients that
 * cannot put a query in their request line (socat's PROXY address, a VNC
 * viewer's proxy setting) may name the token as the CONNECT host
 * (`CONNECT <token>:5900`) or as the user or password of a Basic
 * Proxy-Authorization. The token is checked with nova-consoleauth before
 * anything is opened: none is 400 "Invalid Request", an unknown, expired
 * or other-console token 401 "Not Authorized". Then the proxy connects to
 * the guest's VNC server, answers `HTTP/1.1 200 OK` and relays raw RFB
 * bytes both ways until either side closes.
 */
import net from 'node:net';
import type { NovaConfig } from '../conf/loader.ts';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import type { Logger } from '../log.ts';
import { connectConsole } from './relay.ts';
import { ConsoleRefused, checkConsoleToken } from './token.ts';

/** The longest request head accepted before the blank line (Nova's handshake reads at most 4096 bytes). */
const MAX_HEAD = 8192;

/** The token of a request head: ?token= in the request target, the CONNECT host, or Basic Proxy-Authorization. */
export function tokenFromHead(head: string): string | null {
  const [requestLine = '', ...headerLines] = head.split('\r\n');
  const [, target = ''] = requestLine.split(' ');
  const q = target.indexOf('?');
  if (q >= 0) {
    const t = new URLSearchParams(target.slice(q + 1)).get('token');
    if (t) return t;
  }
  if (/^CONNECT /i.test(requestLine) && !target.startsWith('/')) {
    const host = target.replace(/:\d+$/, '');
    if (host && !host.includes('.') && host.length >= 16) return host;
  }
  for (const line of headerLines) {
    const m = /^proxy-authorization:\s*basic\s+(\S+)\s*$/i.exec(line);
    if (!m?.[1]) continue;
    const [user = '', password = ''] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    return password || user || null;
  }
  return null;
}

export interface XvpVncProxyOptions {
  listenHost: string;
  listenPort: number;
  consoleauth: Pick<ConsoleAuthAPI, 'check_token'>;
  log: Logger;
  /** Milliseconds for a client to send its request head, and for the console to accept. */
  timeoutMs?: number;
}

function answer(socket: net.Socket, status: string, text: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

/** The nova-xvpvncproxy server. */
export class XvpVncProxy {
  private readonly server: net.Server;
  private readonly open = new Set<net.Socket>();
  private address = '';

  constructor(private readonly opts: XvpVncProxyOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** tcp://host:port (after start). */
  get url(): string {
    return this.address;
  }

  private accept(client: net.Socket): void {
    this.open.add(client);
    client.on('close', () => this.open.delete(client));
    client.on('error', () => client.destroy());
    const timeout = this.opts.timeoutMs ?? 10_000;
    client.setTimeout(timeout, () => client.destroy());
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > MAX_HEAD) answer(client, '400 Invalid Request', 'Invalid Request');
        return;
      }
      client.off('data', onData);
      client.pause();
      void this.handshake(client, buffered.subarray(0, end).toString('latin1'), buffered.subarray(end + 4));
    };
    client.on('data', onData);
  }

  private async handshake(client: net.Socket, head: string, rest: Buffer): Promise<void> {
    const { log } = this.opts;
    const token = tokenFromHead(head);
    if (!token) {
      log.info({ request: head.split('\r\n')[0] }, 'Request made with missing token');
      answer(client, '400 Invalid Request', 'Invalid Request');
      return;
    }
    let server: net.Socket;
    try {
      const info = await checkConsoleToken(this.opts.consoleauth, token, 'xvpvnc');
      server = await connectConsole(info, this.opts.timeoutMs ?? 10_000).catch((e: unknown) => {
        throw new ConsoleRefused(502, `Cannot connect to the console: ${e instanceof Error ? e.message : String(e)}`);
      });
      log.info({ instance: info.instance_uuid, console_type: 'xvpvnc' }, 'console connection opened');
    } catch (e) {
      const status = e instanceof ConsoleRefused ? e.status : 500;
      log.info({ status, reason: e instanceof Error ? e.message : String(e) }, 'console connection refused');
      if (status === 401) answer(client, '401 Not Authorized', 'Not Authorized');
      else if (status === 503) answer(client, '503 Service Unavailable', 'Service Unavailable');
      else answer(client, '400 Invalid Request', 'Invalid Request');
      return;
    }
    if (client.destroyed) {
      server.destroy();
      return;
    }
    this.open.add(server);
    server.on('close', () => this.open.delete(server));
    client.setTimeout(0);
    client.setNoDelay(true);
    server.setNoDelay(true);
    client.write('HTTP/1.1 200 OK\r\n\r\n');
    if (rest.length) server.write(rest);
    client.pipe(server);
    server.pipe(client);
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
    server.on('close', () => client.end());
    client.resume();
  }

  async start(): Promise<void> {
    const { listenHost, listenPort } = this.opts;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new Error(`nova-xvpvncproxy: cannot listen on ${listenHost}:${listenPort}: ${e.code === 'EADDRINUSE' ? 'the address is already in use' : e.message}`)),
      );
      this.server.listen(listenPort, listenHost, () => resolve());
    });
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : listenPort;
    const shown = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost;
    this.address = `tcp://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
    this.opts.log.info({ url: this.address, console_type: 'xvpvnc' }, 'nova-xvpvncproxy listening');
  }

  /** Stop listening and close every open console connection. */
  async stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    this.open.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** nova-xvpvncproxy on `[vnc] xvpvncproxy_host:xvpvncproxy_port`. */
export function xvpVncProxy(conf: NovaConfig, consoleauth: Pick<ConsoleAuthAPI, 'check_token'>, log: Logger): XvpVncProxy {
  return new XvpVncProxy({ listenHost: conf.vnc.xvpvncproxy_host, listenPort: conf.vnc.xvpvncproxy_port, consoleauth, log });
}
