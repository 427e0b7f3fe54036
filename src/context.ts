import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request context, as nova.context.RequestContext: who asks and under
 * which request id. It travels with every RPC message and is available to
 * logging anywhere in the call chain via AsyncLocalStorage.
 */
export interface RequestContext {
  readonly request_id: string;
  /** The request id of the first service in a chain that spans services (X-OpenStack-Request-ID). */
  readonly global_request_id?: string | null;
  readonly user_id: string | null;
  readonly project_id: string | null;
  readonly roles: readonly string[];
  readonly is_admin: boolean;
  readonly read_deleted?: 'no' | 'yes' | 'only';
  /** The caller's token (Keystone), passed on to other services acting for the caller (image checks). */
  readonly auth_token?: string | null;
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/** An administrative context for services acting on their own behalf. */
export function adminContext(requestId: string = newRequestId()): RequestContext {
  return { request_id: requestId, user_id: null, project_id: null, roles: ['admin'], is_admin: true };
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
