import type { Logger } from '../log.ts';
import { onParentStop } from './workers.ts';

/** Something with an async stop, stopped in reverse start order. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Keep the process running until SIGTERM or SIGINT, then stop everything
 * (reverse order) and exit 0. A second signal exits at once with 1. A worker
 * process also stops when its parent asks (src/service/workers.ts).
 */
export function stopOnSignal(parts: readonly Stoppable[], log: Logger, onStopped: () => void = () => process.exit(0)): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    void (async () => {
      for (const p of [...parts].reverse()) {
        try {
          await p.stop();
        } catch (e) {
          log.error({ err: (e as Error).message }, 'error while stopping');
        }
      }
      log.flush?.();
      onStopped();
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  // A worker of a service run as several processes: its parent asks it to stop (ignored when a signal already did).
  onParentStop(() => {
    if (!stopping) handler('SIGTERM');
  });
}
