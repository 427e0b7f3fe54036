import type { Endpoint } from '../rpc/server.ts';
import type { Manager } from './manager.ts';

/**
 * A manager that serves `extra` endpoints beside those of `inner` (e.g.
 * nova-compute's host methods beside its instance lifecycle ones), every
 * lifecycle hook and periodic task being the inner manager's.
 */
export function withEndpoints(inner: Manager, extra: readonly Endpoint[]): Manager {
  const m: Manager = {
    endpoints: [...inner.endpoints, ...extra],
    ...(inner.initHost ? { initHost: () => inner.initHost?.() ?? Promise.resolve() } : {}),
    ...(inner.preStartHook ? { preStartHook: (s) => inner.preStartHook?.(s) ?? Promise.resolve() } : {}),
    ...(inner.postStartHook ? { postStartHook: () => inner.postStartHook?.() ?? Promise.resolve() } : {}),
    ...(inner.periodicTasks ? { periodicTasks: () => inner.periodicTasks?.() ?? [] } : {}),
    ...(inner.cleanup ? { cleanup: () => inner.cleanup?.() ?? Promise.resolve() } : {}),
  };
  return m;
}
