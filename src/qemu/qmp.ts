/**
 * A QMP (QEMU Machine Protocol) client over a unix socket, for a guest's
 * QEMU and for qemu-storage-daemon alike: reads the greeting, negotiates
 * capabilities, runs commands with ids and per-command timeouts, and
 * delivers asynchronous events. Every wait has a timeout; every failure is
 * a QmpError.
 */
import net from 'node:net';
import { QmpError } from './qmp-error.ts';

/** An asynchronous QMP event (SHUTDOWN, STOP, RESUME, RESET, MIGRATION…). */
export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number } | null;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Default seconds-scale timeouts, in milliseconds. */
export const QMP_CONNECT_TIMEOUT_MS = 5_000;
export const QMP_COMMAND_TIMEOUT_MS = 15_000;
const MAX_LINE = 16 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One QMP connection. QEMU serves one client per monitor socket at a time. */
export class QmpClient {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(e: QmpEvent) => void>();
  private readonly closeWaiters = new Set<() => void>();
  private greeting: ((msg: Record<string, unknown>) => void) | null = null;
  private isClosed = false;
  /** Resolves when the connection is gone (QEMU quit, or close()). */
  readonly whenClosed: Promise<void>;
  private markClosed!: () => void;

  private constructor(
    private readonly socket: net.Socket,
    readonly path: string,
  ) {
    this.whenClosed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => this.teardown(`connection error (${e.code ?? e.message})`));
    socket.on('close', () => this.teardown('connection closed'));
  }

  /**
   * Connect to a QMP socket, read the greeting and leave capabilities
   * negotiation mode. Rejects with QmpError within `timeoutMs`.
   */
  static connect(path: string, timeoutMs: number = QMP_CONNECT_TIMEOUT_MS): Promise<QmpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path });
      const client = new QmpClient(socket, path);
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.close();
        reject(new QmpError(`QMP ${path}: ${why}`, { path }));
      };
      const timer = setTimeout(() => fail(`no greeting within ${timeoutMs} ms`), timeoutMs);
      socket.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
      socket.once('close', () => fail('closed before the greeting'));
      client.greeting = (msg) => {
        if (!isRecord(msg.QMP)) return fail('the first message is not a QMP greeting');
        client
          .execute('qmp_capabilities', undefined, Math.max(1, timeoutMs))
          .then(() => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(client);
          })
          .catch((e: Error) => fail(e.message));
      };
    });
  }

  /** True once the socket is gone; commands then fail at once. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Run a command; resolves with its `return` value, rejects with QmpError. */
  execute(command: string, args?: Record<string, unknown>, timeoutMs: number = QMP_COMMAND_TIMEOUT_MS): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new QmpError(`QMP ${command}: the connection to ${this.path} is closed`, { command }));
    const id = `nova-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpError(`QMP ${command}: no answer within ${timeoutMs} ms`, { command }));
      }, timeoutMs);
      this.pending.set(id, { command, resolve, reject, timer });
      const msg = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket.write(`${JSON.stringify(msg)}\n`);
    });
  }

  /** `query-status`: QEMU's run state (running, paused, shutdown, postmigrate, inmigrate, internal-error…). */
  async queryStatus(timeoutMs?: number): Promise<string> {
    const r = await this.execute('query-status', undefined, timeoutMs);
    if (!isRecord(r) || typeof r.status !== 'string') throw new QmpError('QMP query-status: unexpected answer', { command: 'query-status' });
    return r.status;
  }

  /** `query-migrate`: the migration status ('' when none ran) and QEMU's error text if it failed. */
  async queryMigrate(timeoutMs?: number): Promise<{ status: string; error: string | null }> {
    const r = await this.execute('query-migrate', undefined, timeoutMs);
    if (!isRecord(r)) throw new QmpError('QMP query-migrate: unexpected answer', { command: 'query-migrate' });
    return { status: typeof r.status === 'string' ? r.status : '', error: typeof r['error-desc'] === 'string' ? r['error-desc'] : null };
  }

  /** Listen to every event; returns the function that stops listening. */
  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Wait for an event (registered at call time, so call it before the
   * command that causes the event). Rejects on timeout or when the
   * connection closes first.
   */
  waitForEvent(name: string, timeoutMs: number, match: (e: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const onClose = () => {
        stop();
        reject(new QmpError(`QMP ${this.path}: connection closed while waiting for ${name}`, { event: name }));
      };
      const stop = () => {
        clearTimeout(timer);
        off();
        this.closeWaiters.delete(onClose);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new QmpError(`QMP ${this.path}: no ${name} event within ${timeoutMs} ms`, { event: name }));
      }, timeoutMs);
      const off = this.onEvent((e) => {
        if (e.event !== name || !match(e)) return;
        stop();
        resolve(e);
      });
      if (this.isClosed) onClose();
      else this.closeWaiters.add(onClose);
    });
  }

  /** Close the connection (QEMU keeps running). Pending commands fail. */
  close(): void {
    this.socket.destroy();
    this.teardown('connection closed by the client');
  }

  private teardown(why: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new QmpError(`QMP ${p.command}: ${why}`, { command: p.command }));
    }
    this.socket.destroy();
    for (const w of [...this.closeWaiters]) w();
    this.markClosed();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > MAX_LINE) {
      this.teardown('message too large');
      return;
    }
    let nl = this.buffer.indexOf('\n');
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onMessage(line);
      nl = this.buffer.indexOf('\n');
    }
  }

  private onMessage(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (!isRecord(msg)) return;
    if (this.greeting) {
      const g = this.greeting;
      this.greeting = null;
      g(msg);
      return;
    }
    if (typeof msg.event === 'string') {
      const ts = isRecord(msg.timestamp) ? { seconds: Number(msg.timestamp.seconds), microseconds: Number(msg.timestamp.microseconds) } : null;
      const event: QmpEvent = { event: msg.event, data: isRecord(msg.data) ? msg.data : {}, timestamp: ts };
      for (const l of [...this.listeners]) l(event);
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : null;
    const p = id ? this.pending.get(id) : undefined;
    if (!id || !p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (isRecord(msg.error)) {
      p.reject(QmpError.fromReply(p.command, String(msg.error.class ?? 'GenericError'), String(msg.error.desc ?? '')));
    } else {
      p.resolve(msg.return);
    }
  }
}
