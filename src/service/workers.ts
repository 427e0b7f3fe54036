import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { NovaConfig } from '../conf/loader.ts';
import { ConfigError } from '../exception/base.ts';
import type { Logger } from '../log.ts';

// A service as N worker processes (oslo.service's ProcessLauncher): the
// parent forks them with node:cluster (listening sockets are shared: the
// parent accepts and hands the connections to the workers in turn), passes a
// stop on, restarts a worker that dies, and writes their output as one log
// stream (each line whole; the JSON lines carry a `worker` field).

const WORKER_ENV = 'NOVA_WORKER_ID';
/** How long a restarted worker must live for its next death to restart it without a back-off. */
const STABLE_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

type ParentMessage = { nova: 'stop' };
type WorkerMessage = { nova: 'ready' };

const isMessage = (m: unknown, kind: string): boolean => typeof m === 'object' && m !== null && (m as { nova?: unknown }).nova === kind;

/** This process's worker number (1…N) when it is one of a service's workers. */
export function workerId(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env[WORKER_ENV]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A worker tells its parent it has started (its service is running); nothing in a process without a parent. */
export function reportReady(): void {
  if (cluster.isWorker) process.send?.({ nova: 'ready' } satisfies WorkerMessage);
}

/** In a worker: call `fn` when the parent asks it to stop (as a SIGTERM would). */
export function onParentStop(fn: () => void): void {
  if (cluster.isWorker) process.on('message', (m: unknown) => isMessage(m, 'stop') && fn());
}

/** The option's value as a process count: 0 is one per CPU (Nova's default). */
export function workerCount(value: number): number {
  return value === 0 ? os.availableParallelism() : value;
}

export interface WorkersSpec {
  /** e.g. nova-scheduler */
  binary: string;
  /** The option, for messages, e.g. '[scheduler] workers'. */
  option: string;
  /** Its value (0: one per CPU). */
  workers: number;
  conf: NovaConfig;
  log: Logger;
}

/**
 * With more than one worker, make this process their parent and return true
 * (the caller does nothing more: the workers run the service). Returns false
 * in a worker, or when one process is wanted: the caller runs the service.
 * Several workers over the in-process memory:// bus are refused.
 */
export function superviseWorkers(spec: WorkersSpec): boolean {
  if (cluster.isWorker) return false;
  const count = workerCount(spec.workers);
  if (count <= 1) return false;
  if (spec.conf.DEFAULT.transport_url.trim().startsWith('memory:')) {
    throw new ConfigError(
      `${spec.option} = ${spec.workers} (${count} processes) needs a message bus the processes share: [DEFAULT] transport_url memory:// is in-process; set rabbit://… or ${spec.option} = 1`,
    );
  }
  new Supervisor(spec, count).start();
  return true;
}

interface Slot {
  worker: Worker;
  startedAt: number;
  /** This slot's worker reported ready at least once (then a death restarts it; before, it fails the service). */
  everReady: boolean;
  /** This worker (this process) reported ready: it takes a stop message; before, it gets a SIGTERM. */
  ready: boolean;
  failures: number;
}

class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private stopping = false;
  private exitCode = 0;
  private announced = false;

  constructor(
    private readonly spec: WorkersSpec,
    private readonly count: number,
  ) {}

  start(): void {
    const { conf, log } = this.spec;
    const pool = conf.database.max_pool_size;
    log.info(
      { binary: this.spec.binary, workers: this.count, option: this.spec.option, db_connections_up_to: this.count * pool },
      `starting ${this.count} workers (each its own bus connection and database pool of up to ${pool})`,
    );
    cluster.setupPrimary({ silent: true }); // their stdout/stderr come through here, a whole line at a time
    for (let slot = 1; slot <= this.count; slot++) this.fork(slot, 0, false);
    const handler = (signal: NodeJS.Signals) => this.stop(signal);
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  }

  private fork(slot: number, failures: number, everReady: boolean): void {
    const worker = cluster.fork({ [WORKER_ENV]: String(slot) });
    const state: Slot = { worker, startedAt: Date.now(), everReady, ready: false, failures };
    this.slots.set(slot, state);
    forwardLines(worker.process.stdout, process.stdout);
    forwardLines(worker.process.stderr, process.stderr);
    worker.on('message', (m: unknown) => {
      if (!isMessage(m, 'ready')) return;
      state.everReady = true;
      state.ready = true;
      if (failures > 0) this.spec.log.info({ worker: slot, worker_pid: worker.process.pid }, 'worker started again');
      if (!this.announced && [...this.slots.values()].every((s) => s.everReady)) {
        this.announced = true;
        this.spec.log.info({ workers: this.count, pids: [...this.slots.values()].map((s) => s.worker.process.pid) }, 'all workers started');
      }
    });
    worker.on('exit', (code, signal) => this.exited(slot, state, code, signal));
  }

  private exited(slot: number, state: Slot, code: number | null, signal: string | null): void {
    if (this.slots.get(slot) !== state) return;
    this.slots.delete(slot);
    const { log } = this.spec;
    const who = { worker: slot, worker_pid: state.worker.process.pid, code, signal };
    if (this.stopping) {
      if (code !== 0) this.exitCode = 1;
      if (this.slots.size === 0) this.finish();
      return;
    }
    if (!state.everReady) {
      // As one process would: a worker that cannot start (a bad option, the port taken) stops the service; its error line came through above.
      log.error(who, 'worker failed to start; stopping the others');
      this.exitCode = 1;
      this.stop('SIGTERM');
      if (this.slots.size === 0) this.finish();
      return;
    }
    const lived = Date.now() - state.startedAt;
    const failures = lived < STABLE_MS ? state.failures + 1 : 0;
    const delay = failures === 0 ? 0 : Math.min(1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
    log.error({ ...who, restart_in_ms: delay }, 'worker died; starting it again');
    const t = setTimeout(() => {
      this.restarts.delete(t);
      if (!this.stopping) this.fork(slot, Math.max(failures, 1), true);
    }, delay);
    this.restarts.add(t);
  }

  /** First signal: every worker stops gracefully (bounded by graceful_shutdown_timeout); a second one: they exit now. */
  private stop(signal: NodeJS.Signals): void {
    const { log, conf } = this.spec;
    for (const t of this.restarts) clearTimeout(t);
    this.restarts.clear();
    if (this.stopping) {
      log.warn({ signal }, 'second signal: workers exit now');
      for (const s of this.slots.values()) s.worker.process.kill('SIGTERM'); // their own second signal
      this.exitCode = 1;
      return;
    }
    this.stopping = true;
    log.info({ signal, workers: this.slots.size }, 'stopping the workers');
    for (const s of this.slots.values()) {
      // A message, not a signal: after a Ctrl-C the workers got their SIGINT already, and a second signal would make them exit at once.
      if (s.ready && s.worker.isConnected()) s.worker.send({ nova: 'stop' } satisfies ParentMessage);
      else s.worker.process.kill('SIGTERM');
    }
    const timeout = conf.DEFAULT.graceful_shutdown_timeout;
    if (timeout > 0) {
      setTimeout(
        () => {
          if (this.slots.size === 0) return;
          log.warn({ workers: [...this.slots.keys()] }, 'workers did not stop in time; killing them');
          for (const s of this.slots.values()) s.worker.process.kill('SIGKILL');
        },
        (timeout + 10) * 1000,
      ).unref();
    }
    if (this.slots.size === 0) this.finish();
  }

  private finish(): void {
    this.spec.log.info({ binary: this.spec.binary, code: this.exitCode }, 'all workers stopped');
    this.spec.log.flush?.();
    setImmediate(() => process.exit(this.exitCode));
  }
}

/** Copy a worker's output a whole line at a time, so two workers' lines never mix. */
function forwardLines(from: Readable | null | undefined, to: Writable): void {
  if (!from) return;
  readline.createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => to.write(`${line}\n`));
}
