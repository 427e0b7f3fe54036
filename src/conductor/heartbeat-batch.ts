import { ServiceNotFound } from '../exception/resources.ts';
import type { ServiceDTO } from '../objects/service.ts';

type Waiter = { resolve: (s: ServiceDTO) => void; reject: (e: unknown) => void };

/**
 * The compute hosts' heartbeats, written together: those that arrive within
 * `windowMs` of the first go in one UPDATE and one SELECT (1,000 hosts at
 * the default report_interval are 100 heartbeats a second; each alone would
 * be two statements). Each caller still gets its own service back, or
 * ServiceNotFound when its row is gone. Two heartbeats of one service in
 * one window count once. A window of 0 writes each alone.
 */
export class HeartbeatBatch {
  private pending = new Map<number, Waiter[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: (ids: readonly number[]) => Promise<Map<number, ServiceDTO>>,
    private readonly windowMs: number,
  ) {}

  beat(serviceId: number): Promise<ServiceDTO> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(serviceId);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(serviceId, [{ resolve, reject }]);
      if (this.windowMs <= 0) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  private async flush(): Promise<void> {
    this.timer = null;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    try {
      const found = await this.write([...batch.keys()]);
      for (const [id, waiters] of batch) {
        const s = found.get(id);
        for (const w of waiters) {
          if (s) w.resolve(s);
          else w.reject(ServiceNotFound.of(id));
        }
      }
    } catch (e) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
    }
  }
}
