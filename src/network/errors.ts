/**
 * Neutron's error bodies: `{"NeutronError": {"type": <exception class>,
 * "message": <text>, "detail": ""}}` (neutron.api.api_common
 * convert_exception_to_http_exc). `type` is the neutron-lib exception's
 * class name (NetworkNotFound, IpAddressInUse…) or webob's
 * (HTTPBadRequest…) where Neutron raises a bare HTTP error.
 */

import { NovaError } from '../exception/base.ts';
import type { ErrorFormat } from '../http/app.ts';

/** An error of the network API, with the Neutron exception type it is rendered as. */
export class NeutronError extends NovaError {
  override readonly status: number;
  readonly type: string;
  readonly headers: Record<string, string>;

  constructor(status: number, type: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.headers = headers;
  }
}

/** webob's class name per status, for errors raised as bare HTTP errors. */
const WEBOB: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  409: 'HTTPConflict',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
  500: 'HTTPInternalServerError',
  501: 'HTTPNotImplemented',
  503: 'HTTPServiceUnavailable',
};

/** 400 HTTPBadRequest with this text (prepare_request_body's errors). */
export const badRequest = (message: string): NeutronError => new NeutronError(400, 'HTTPBadRequest', message);
/** 400 BadRequest: "Bad <resource> request: <msg>." */
export const badResourceRequest = (resource: string, msg: string): NeutronError => new NeutronError(400, 'BadRequest', `Bad ${resource} request: ${msg}.`);
/** 400 InvalidInput: "Invalid input for operation: <msg>." */
export const invalidInput = (msg: string): NeutronError => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${msg}.`);
/** 404 <Type>NotFound, e.g. notFound('Network', 'net_id'…). */
export const notFound = (type: string, message: string): NeutronError => new NeutronError(404, type, message);
/** 404 HTTPNotFound "The resource could not be found." (what a caller who may not see a resource gets). */
export const hidden = (): NeutronError => new NeutronError(404, 'HTTPNotFound', 'The resource could not be found.');
/** 409 of a neutron-lib Conflict/InUse subclass. */
export const conflict = (type: string, message: string): NeutronError => new NeutronError(409, type, message);
/** 403 PolicyNotAuthorized "<rule> is disallowed by policy" (oslo.policy's wording). */
export const policyDenied = (rule: string): NeutronError => new NeutronError(403, 'PolicyNotAuthorized', `${rule} is disallowed by policy`);

/** The body keystonemiddleware answers a request without a valid token with. */
function unauthorizedBody(message: string): { error: { code: number; title: string; message: string } } {
  return { error: { code: 401, title: 'Unauthorized', message } };
}

/** How the network API words every error, its own and the kernel's. */
export const NEUTRON_ERRORS: ErrorFormat = {
  internalMessage: 'Request Failed: internal server error while processing your request.',
  render(p) {
    if (p.status === 401) return { body: unauthorizedBody(p.message), type: 'application/json' };
    const type = p.error instanceof NeutronError ? p.error.type : (WEBOB[p.status] ?? 'HTTPInternalServerError');
    return { body: { NeutronError: { type, message: p.message, detail: '' } }, type: 'application/json' };
  },
};
