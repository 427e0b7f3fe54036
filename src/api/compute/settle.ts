/**
 * Settling ([api] settle_ms): nova-api answers a server create, delete or
 * action once it has completed, when that happens within a short window,
 * so that a client's first poll (openstack --wait polls every 5 s, its
 * first a few ms after the 202/204) already sees the result. The answer
 * itself (status, body) stays Nova's; only its moment moves.
 *
 * Every request settling in this process waits on one shared poller per
 * database: a tick reads the states (uuid, vm_state, task_state) of all
 * waiters due then or within the next MIN_GAP_MS in a single query by
 * uuid, each waiter backing off from 2 ms to 25 ms between its looks, until
 * its predicate holds or its window ends; ticks are at least MIN_GAP_MS
 * apart, so 50 requests settling at once cost one small query per tick,
 * not one per request. Settling never fails: a database error answers at
 * once, as without it.
 */

import type { InstanceRepository, InstanceState } from '../../db/api/instances.ts';
import type { Logger } from '../../log.ts';
import { VmState } from '../../objects/states.ts';

/** What settling needs of the API's dependencies (ApiDeps has it). */
export interface SettleDeps {
  readonly conf: { readonly api: { readonly settle_ms: number } };
  readonly db: { readonly instances: Pick<InstanceRepository, 'statesOf'> };
  readonly log: Pick<Logger, 'debug'>;
}

/** Whether the operation is complete, given those of the waited-for instances still in the database (a deleted one is absent). */
export type Settled = (found: readonly InstanceState[]) => boolean;

/** A create of more instances than this answers at once (a big multi-create is not worth holding the request for). */
export const SETTLE_MAX_INSTANCES = 25;
const FIRST_DELAY_MS = 2;
const MAX_DELAY_MS = 25;
/** The least time between two ticks (those due within it are looked at early). */
const MIN_GAP_MS = 10;
/** Uuids read in one query (an IN list). */
const QUERY_CHUNK = 500;

/** A create is complete when every instance left BUILD (active, error, or already deleted). */
export const built: Settled = (found) => found.every((i) => i.vm_state !== VmState.BUILDING);

/** A delete is complete when the instance is gone, or soft-deleted (deferred delete) with no task left. */
export const gone: Settled = (found) => found.every((i) => i.vm_state === VmState.SOFT_DELETED && i.task_state === null);

/** An action is complete when no task is left on the instance (or it is in error, or gone). */
export const idle: Settled = (found) => found.every((i) => i.task_state === null || i.vm_state === VmState.ERROR);

interface Waiter {
  readonly uuids: readonly string[];
  readonly done: Settled;
  readonly deadline: number;
  due: number;
  delay: number;
  readonly resolve: () => void;
}

/** The waiters of one database, polled together. */
class Poller {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private lastTick = 0;
  private polling = false;

  constructor(
    private readonly instances: Pick<InstanceRepository, 'statesOf'>,
    private readonly log: Pick<Logger, 'debug'>,
  ) {}

  wait(uuids: readonly string[], done: Settled, windowMs: number): Promise<void> {
    return new Promise((resolve) => {
      const now = Date.now();
      this.waiters.add({ uuids, done, deadline: now + windowMs, due: now + Math.min(FIRST_DELAY_MS, windowMs), delay: FIRST_DELAY_MS, resolve });
      this.schedule();
    });
  }

  /** Arm the timer for the earliest due waiter (unless a poll is running: it re-arms when done). */
  private schedule(): void {
    if (this.polling || this.waiters.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.waiters) next = Math.min(next, w.due);
    next = Math.max(next, this.lastTick + MIN_GAP_MS);
    if (this.timer && next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => void this.poll(), Math.max(0, next - Date.now()));
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.polling = true;
    this.lastTick = Date.now();
    const due = [...this.waiters].filter((w) => w.due <= this.lastTick + MIN_GAP_MS);
    try {
      const found = await this.read(new Set(due.flatMap((w) => w.uuids)));
      const now = Date.now();
      for (const w of due) {
        const mine = w.uuids.flatMap((u) => found.get(u) ?? []);
        if (w.done(mine) || now >= w.deadline) this.finish(w);
        else {
          w.delay = Math.min(w.delay * 2, MAX_DELAY_MS);
          w.due = Math.min(now + w.delay, w.deadline);
        }
      }
    } catch (e) {
      this.log.debug({ err: String(e) }, 'settling: could not read the instances; answering now');
      for (const w of due) this.finish(w);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private async read(uuids: ReadonlySet<string>): Promise<Map<string, InstanceState>> {
    const all = [...uuids];
    const out = new Map<string, InstanceState>();
    for (let i = 0; i < all.length; i += QUERY_CHUNK) {
      for (const inst of await this.instances.statesOf(all.slice(i, i + QUERY_CHUNK))) out.set(inst.uuid, inst);
    }
    return out;
  }

  private finish(w: Waiter): void {
    this.waiters.delete(w);
    w.resolve();
  }
}

const pollers = new WeakMap<SettleDeps['db'], Poller>();

/**
 * Wait, at most [api] settle_ms, until `done` holds for the instances
 * `uuids`. Returns at once when settle_ms is 0, with no instance, or with
 * more than {@link SETTLE_MAX_INSTANCES}; never throws.
 */
export async function settle(deps: SettleDeps, uuids: readonly string[], done: Settled): Promise<void> {
  const windowMs = deps.conf.api.settle_ms;
  if (windowMs <= 0 || uuids.length === 0 || uuids.length > SETTLE_MAX_INSTANCES) return;
  let poller = pollers.get(deps.db);
  if (!poller) {
    poller = new Poller(deps.db.instances, deps.log);
    pollers.set(deps.db, poller);
  }
  await poller.wait(uuids, done, windowMs);
}
