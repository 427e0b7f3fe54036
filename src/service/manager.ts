import type { ServiceDTO } from '../objects/service.ts';
import type { Endpoint } from '../rpc/server.ts';

/** A task a manager wants run every `intervalSec` seconds. */
export interface PeriodicTask {
  readonly name: string;
  readonly intervalSec: number;
  /** Also run once right after start. */
  readonly runAtStart?: boolean;
  run(): Promise<void>;
}

/**
 * What a service runs: the RPC endpoints it serves plus lifecycle hooks and
 * periodic tasks (nova.manager.Manager).
 */
export interface Manager {
  readonly endpoints: readonly Endpoint[];
  /** Before the service takes messages (e.g. nova-compute adopts running guests). */
  initHost?(): Promise<void>;
  /** After the service is registered, before it takes messages. */
  preStartHook?(service: ServiceDTO): Promise<void>;
  /** Once it takes messages. */
  postStartHook?(): Promise<void>;
  periodicTasks?(): readonly PeriodicTask[];
  /** On stop, after in-flight messages are done. */
  cleanup?(): Promise<void>;
}
