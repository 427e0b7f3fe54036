import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { CliError, isStatus } from './errors.ts';
import type { Json } from './format.ts';
import type { ComputeClient } from './http.ts';

/** The part of a server a progress display shows. */
export interface ServerProgress {
  status: string;
  taskState: string | null;
  progress: number;
}

/** Receives the states of a server being waited for. */
export interface ProgressSink {
  update(p: ServerProgress): void;
  /** The wait is over (success or not): finish the display. */
  stop(): void;
}

/** `BUILD (scheduling)`, or just `ACTIVE` when no task is running. */
export function describeState(p: ServerProgress): string {
  return p.taskState ? `${p.status} (${p.taskState})` : p.status;
}

/** The progress-relevant fields of a server body. */
export function progressOf(server: Json): ServerProgress {
  const task = server['OS-EXT-STS:task_state'];
  return { status: String(server.status ?? 'UNKNOWN'), taskState: typeof task === 'string' && task ? task : null, progress: Number(server.progress ?? 0) || 0 };
}

/** One line per change of status or task state ("Server vm1: BUILD (scheduling)"): for pipes and logs. */
export function lineSink(name: string, write: (line: string) => void): ProgressSink {
  let last = '';
  return {
    update(p) {
      const text = `Server ${name}: ${describeState(p)}`;
      if (text !== last) write(text);
      last = text;
    },
    stop() {},
  };
}

/** A live progress bar rewritten in place on a terminal. */
export function barSink(name: string, stream: NodeJS.WriteStream): ProgressSink {
  const bar = new cliProgress.SingleBar(
    { format: `Server ${name}: [{bar}] {percentage}% | {state}`, stream, hideCursor: true, barsize: 30, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const value = p.status === 'ACTIVE' ? 100 : Math.max(0, Math.min(99, p.progress));
      if (!started) bar.start(100, value, { state: describeState(p) });
      else bar.update(value, { state: describeState(p) });
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** The progress display for a stream: a bar on a terminal, lines otherwise. */
export function sinkFor(name: string, stream: NodeJS.WriteStream): ProgressSink {
  return stream.isTTY ? barSink(name, stream) : lineSink(name, (l) => void stream.write(`${l}\n`));
}

/** Options of {@link waitForServer}. */
export interface WaitOptions {
  /** Milliseconds between polls. */
  intervalMs?: number;
  /** The server as last seen (shown first, saves a request). */
  initial?: Json;
  /** Statuses that end the wait successfully. */
  until?: readonly string[];
}

/**
 * Poll GET /servers/{id} until the server reaches a final status (ACTIVE by
 * default), reporting each state to the sink. ERROR ends with the server's
 * fault message; a server that disappears ends with InstanceInDeletedState.
 */
export async function waitForServer(client: ComputeClient, id: string, name: string, sink: ProgressSink, o: WaitOptions = {}): Promise<Json> {
  const until = new Set(o.until ?? ['ACTIVE']);
  let server = o.initial;
  try {
    for (;;) {
      if (!server) {
        try {
          server = (await client.get<{ server: Json }>(`/servers/${encodeURIComponent(id)}`)).server;
        } catch (e) {
          if (isStatus(e, 404)) throw new CliError('InstanceInDeletedState', `Server ${name} was deleted while waiting for it.`);
          throw e;
        }
      }
      const p = progressOf(server);
      sink.update(p);
      if (until.has(p.status)) return server;
      if (p.status === 'ERROR') {
        const fault = server.fault as Json | undefined;
        const message = typeof fault?.message === 'string' ? ` due to '${fault.message}'` : '';
        throw new CliError('ResourceInErrorState', `Server ${name} is in the error state${message}.`);
      }
      if (p.status === 'DELETED') throw new CliError('InstanceInDeletedState', `Server ${name} was deleted while waiting for it.`);
      server = undefined;
      await sleep(o.intervalMs ?? 1000);
    }
  } finally {
    sink.stop();
  }
}
