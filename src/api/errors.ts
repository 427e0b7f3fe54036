/** Nova's fault bodies: `{"itemNotFound": {"code": 404, "message": "…"}}`, named by status. */
import type { ErrorFormat } from '../http/app.ts';
import { HttpError } from '../http/errors.ts';

export { HttpError };

/** The fault name Nova wraps an error body in, by HTTP status. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function faultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

/** `{"itemNotFound": {"code": 404, "message": "…"}}` */
export function faultBody(status: number, message: string): Record<string, { code: number; message: string }> {
  return { [faultName(status)]: { code: status, message } };
}

/** Every error of the Compute API as Nova's FaultWrapper answers it. */
export const NOVA_ERRORS: ErrorFormat = {
  internalMessage: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.',
  render: (p) => ({ body: faultBody(p.status, p.message), type: 'application/json; charset=UTF-8' }),
};

export const badRequest = (m: string) => new HttpError(400, m);
export const forbidden = (m: string) => new HttpError(403, m);
export const notFound = (m: string) => new HttpError(404, m);
export const conflict = (m: string) => new HttpError(409, m);
/** webob's HTTPGone as Nova raises it for the APIs it removed: its default explanation (two spaces), `computeFault` (410 has no fault name). */
export const gone = () => new HttpError(410, 'This resource is no longer available.  No forwarding address is given.');
