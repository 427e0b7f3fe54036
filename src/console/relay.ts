/**
 * The websocket ↔ socket relay all console proxies share (websockify's job
 * in Nova): a node:http server whose upgrade requests are checked first —
 * token via nova-consoleauth, then Origin — and only then connected to the
 * guest console (a unix socket on the compute host, or host:port) and
 * relayed byte for byte. A refused request gets a plain HTTP error on the
 * upgrade (401 token, 403 origin) and nothing reaches the console.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import type { TlsFiles } from '../http/tls.ts';
import type { Logger } from '../log.ts';
import type { ConsoleConnectInfo, ConsoleType } from '../objects/console-auth-token.ts';
import { checkOrigin } from './origin.ts';
import { sendText } from './static.ts';
import { ConsoleRefused, checkConsoleToken, tokenFromRequest } from './token.ts';

/** How one console proxy listens, checks and connects. */
export interface ConsoleProxyOptions {
  /** e.g. nova-novncproxy (logs). */
  name: string;
  consoleType: ConsoleType;
  listenHost: string;
  listenPort: number;
  /** The configured base URL (Origin check when a token carries none). */
  baseUrl: string;
  allowedOrigins: readonly string[];
  consoleauth: Pick<ConsoleAuthAPI, 'check_token'>;
  log: Logger;
  /** Plain HTTP requests (the web client's files); absent: 404 for everything. */
  serveHttp?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Milliseconds to wait for the console socket to accept. */
  connectTimeoutMs?: number;
  /** Serve https/wss with this certificate ([DEFAULT] cert, key). */
  tls?: TlsFiles | null;
}

const HIGH_WATER = 4 * 1024 * 1024;
const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** Answer an upgrade request with a plain HTTP error and drop the connection. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** A well-formed websocket handshake (what ws's handleUpgrade would accept), checked before anything is opened. */
export function isWebsocketHandshake(req: IncomingMessage): boolean {
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  return (
    req.method === 'GET' &&
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key) &&
    (version === '13' || version === '8')
  );
}

/** Open the guest console: unix socket `internal_access_path` when port is 0, else host:port. */
export function connectConsole(info: ConsoleConnectInfo, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const unix = info.port === 0 && info.internal_access_path;
    const s = unix ? net.connect({ path: info.internal_access_path as string }) : net.connect({ host: info.host, port: info.port });
    const timer = setTimeout(() => s.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const failed = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    s.once('error', failed);
    s.once('connect', () => {
      clearTimeout(timer);
      s.off('error', failed);
      s.on('error', () => s.destroy()); // until relay() takes over; never an unhandled 'error'
      resolve(s);
    });
  });
}

/** Relay a websocket and a socket until either side closes (with backpressure both ways). */
export function relay(ws: WebSocket, backend: net.Socket): void {
  backend.setNoDelay(true);
  backend.on('data', (chunk: Buffer) => {
    ws.send(chunk, { binary: true });
    if (ws.bufferedAmount > HIGH_WATER) {
      backend.pause();
      const wait = () => (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount < HIGH_WATER / 4 ? backend.resume() : setTimeout(wait, 20));
      setTimeout(wait, 20);
    }
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!backend.write(buf)) {
      ws.pause();
      backend.once('drain', () => ws.resume());
    }
  });
  backend.on('close', () => ws.readyState === WebSocket.OPEN && ws.close(1000, 'console closed'));
  backend.on('error', () => ws.readyState === WebSocket.OPEN && ws.close(1011, 'console error'));
  ws.on('close', () => backend.end());
  ws.on('error', () => backend.destroy());
}

/** One console proxy daemon's server. */
export class ConsoleProxy {
  private readonly server: http.Server | https.Server;
  private readonly wss: WebSocketServer;
  private readonly open = new Set<{ ws: WebSocket; backend: net.Socket }>();
  private address = '';

  constructor(private readonly opts: ConsoleProxyOptions) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false) });
    const handler = (req: IncomingMessage, res: ServerResponse) => (opts.serveHttp ? opts.serveHttp(req, res) : sendText(res, 404, 'Not found'));
    this.server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      void this.upgrade(req, socket, head);
    });
  }

  private owns(backend: net.Socket): boolean {
    for (const e of this.open) if (e.backend === backend) return true;
    return false;
  }

  /** http://host:port the proxy listens on (after start). */
  get url(): string {
    return this.address;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { log, consoleType } = this.opts;
    let info: ConsoleConnectInfo;
    let backend: net.Socket;
    try {
      if (!isWebsocketHandshake(req)) throw new ConsoleRefused(400, 'Only websocket upgrades are served.');
      info = await checkConsoleToken(this.opts.consoleauth, tokenFromRequest(req), consoleType);
      const forwarded = req.headers['x-forwarded-proto'];
      const bad = checkOrigin({
        origin: req.headers.origin,
        host: req.headers.host,
        forwardedProto: Array.isArray(forwarded) ? forwarded[0] : forwarded,
        baseUrl: info.access_url_base ?? this.opts.baseUrl,
        allowedOrigins: this.opts.allowedOrigins,
      });
      if (bad) throw new ConsoleRefused(403, bad);
      backend = await connectConsole(info, this.opts.connectTimeoutMs ?? 5000).catch((e: unknown) => {
        throw new ConsoleRefused(502, `Cannot connect to the console: ${(e as Error).message}`);
      });
    } catch (e) {
      const status = e instanceof ConsoleRefused ? e.status : 500;
      log.info({ status, reason: (e as Error).message, origin: req.headers.origin }, 'console connection refused');
      refuse(socket, status, (e as Error).message);
      return;
    }
    if (socket.destroyed) {
      backend.destroy();
      return;
    }
    socket.once('close', () => backend.readyState === 'open' && !this.owns(backend) && backend.destroy());
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const entry = { ws, backend };
      this.open.add(entry);
      ws.on('close', () => this.open.delete(entry));
      log.info({ instance: info.instance_uuid, console_type: consoleType }, 'console connection opened');
      relay(ws, backend);
    });
  }

  async start(): Promise<void> {
    const { listenHost, listenPort, name } = this.opts;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new Error(`${name}: cannot listen on ${listenHost}:${listenPort}: ${e.code === 'EADDRINUSE' ? 'the address is already in use' : e.message}`)),
      );
      this.server.listen(listenPort, listenHost, () => resolve());
    });
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : listenPort;
    const shown = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost;
    this.address = `${this.opts.tls ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
    this.opts.log.info({ url: this.address, console_type: this.opts.consoleType }, `${name} listening`);
  }

  /** Stop listening and close every open console connection. */
  async stop(): Promise<void> {
    for (const { ws, backend } of this.open) {
      ws.terminate();
      backend.destroy();
    }
    this.open.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
