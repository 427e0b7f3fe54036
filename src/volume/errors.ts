/**
 * Cinder's error bodies (cinder.api.openstack.wsgi.Fault): `{<fault name>:
 * {"code": <status>, "message": <text>}}` with the fault name per status
 * (badRequest, itemNotFound, overLimit…), and the messages of cinder's
 * exceptions used here.
 */
import type { ErrorFormat } from '../http/app.ts';
import { HttpError } from '../http/errors.ts';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** An error of the volume API (its status and Cinder's message). */
export class CinderError extends HttpError {}

export const badRequest = (message: string): CinderError => new CinderError(400, message);
/** InvalidInput: "Invalid input received: <reason>". */
export const invalidInput = (reason: string): CinderError => badRequest(`Invalid input received: ${reason}`);
/** InvalidVolume: "Invalid volume: <reason>". */
export const invalidVolume = (reason: string): CinderError => badRequest(`Invalid volume: ${reason}`);
/** InvalidSnapshot: "Invalid snapshot: <reason>". */
export const invalidSnapshot = (reason: string): CinderError => badRequest(`Invalid snapshot: ${reason}`);
export const notFound = (message: string): CinderError => new CinderError(404, message);
export const volumeNotFound = (id: string): CinderError => notFound(`Volume ${id} could not be found.`);
export const snapshotNotFound = (id: string): CinderError => notFound(`Snapshot ${id} could not be found.`);
export const typeNotFound = (id: string): CinderError => notFound(`Volume type ${id} could not be found.`);
export const attachmentNotFound = (id: string): CinderError => notFound(`Volume attachment could not be found with filter: attachment_id = ${id}.`);
/** PolicyNotAuthorized: "Policy doesn't allow <action> to be performed." */
export const policyDenied = (action: string): CinderError => new CinderError(403, `Policy doesn't allow ${action} to be performed.`);
/** A QuotaError (413, Retry-After: 0). */
export const overQuota = (message: string): CinderError => new CinderError(413, message, { 'Retry-After': '0' });
export const conflict = (message: string): CinderError => new CinderError(409, message);

/** How the volume API words every error, its own and the kernel's. */
export const CINDER_ERRORS: ErrorFormat = {
  internalMessage: 'The server has either erred or is incapable of performing the requested operation.',
  render(p) {
    if (p.status === 401) return { body: { error: { code: 401, title: 'Unauthorized', message: p.message } }, type: 'application/json' };
    const name = FAULT_NAMES[p.status] ?? 'computeFault';
    const fault: Record<string, unknown> = { code: p.status, message: p.message };
    const retry = Object.entries(p.headers).find(([h]) => h.toLowerCase() === 'retry-after')?.[1];
    if (p.status === 413 && retry !== undefined) fault.retryAfter = retry;
    return { body: { [name]: fault }, type: 'application/json' };
  },
};
