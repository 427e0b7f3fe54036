import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { lookupError, NovaError } from '../exception/base.ts';
import { RemoteError } from './errors.ts';
import type { WireMessage } from './transport.ts';

/**
 * The oslo.messaging 2.0 envelope: the message dictionary is JSON encoded
 * inside `{"oslo.version": "2.0", "oslo.message": "..."}`. Context fields
 * travel as `_context_<name>` keys, as oslo does.
 */
export const OSLO_VERSION = '2.0';

export function encodeEnvelope(message: WireMessage): Buffer {
  return Buffer.from(JSON.stringify({ 'oslo.version': OSLO_VERSION, 'oslo.message': JSON.stringify(message) }));
}

export function decodeEnvelope(body: Buffer | string): WireMessage {
  const outer = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as Record<string, unknown>;
  if (typeof outer['oslo.message'] !== 'string') return outer;
  const version = String(outer['oslo.version'] ?? '');
  if (version.split('.')[0] !== OSLO_VERSION.split('.')[0]) {
    throw new Error(`unsupported envelope version ${version}`);
  }
  return JSON.parse(outer['oslo.message']) as WireMessage;
}

export function packContext(ctx: RequestContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) out[`_context_${k}`] = v;
  return out;
}

export function unpackContext(message: WireMessage): RequestContext {
  const ctx: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(message)) {
    if (k.startsWith('_context_')) ctx[k.slice('_context_'.length)] = v;
  }
  return {
    request_id: typeof ctx.request_id === 'string' ? ctx.request_id : `req-${randomUUID()}`,
    global_request_id: (ctx.global_request_id as string | null | undefined) ?? null,
    user_id: (ctx.user_id as string | null | undefined) ?? null,
    project_id: (ctx.project_id as string | null | undefined) ?? null,
    roles: Array.isArray(ctx.roles) ? (ctx.roles as string[]) : [],
    is_admin: ctx.is_admin === true,
    read_deleted: (ctx.read_deleted as RequestContext['read_deleted']) ?? 'no',
    // The caller's token travels as oslo's context does (nova-compute acts for the caller towards the volume service).
    ...(typeof ctx.auth_token === 'string' ? { auth_token: ctx.auth_token } : {}),
  };
}

/** Serialize an exception as oslo does (class, module, message, kwargs). */
export function serializeFailure(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  return JSON.stringify({
    class: e instanceof NovaError ? e.name : e.name || 'Error',
    module: e instanceof NovaError ? 'nova.exception' : 'builtins',
    message: e.message,
    tb: [],
    args: [e.message],
    kwargs: e instanceof NovaError ? e.kwargs : {},
  });
}

/** Rebuild a remote failure as the same NovaError class when known, else RemoteError. */
export function deserializeFailure(failure: string): Error {
  let data: { class?: string; message?: string; kwargs?: Record<string, unknown> };
  try {
    data = JSON.parse(failure) as typeof data;
  } catch {
    return new RemoteError('Unknown', failure);
  }
  const name = data.class ?? 'Unknown';
  const message = data.message ?? '';
  const cls = lookupError(name);
  if (cls) return new cls(message, data.kwargs ?? {});
  return new RemoteError(name, message);
}

export function newMessageId(): string {
  return randomUUID().replace(/-/g, '');
}
