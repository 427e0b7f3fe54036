/**
 * nova-api-metadata's errors: webob's HTTPNotFound, HTTPForbidden,
 * HTTPBadRequest, HTTPConflict and HTTPInternalServerError, rendered as
 * webob does by the Accept header (http/webob.ts): HTML for `*\/*` (what
 * curl and cloud-init send), JSON, or plain text with no Accept.
 */
import type { ErrorFormat } from '../../http/app.ts';
import { HttpError } from '../../http/errors.ts';
import { defaultExplanation, renderWebobError } from '../../http/webob.ts';

/** Nova's 'An unknown error has occurred. Please try your request again.' (a lookup that failed). */
export const UNKNOWN_ERROR = 'An unknown error has occurred. Please try your request again.';

/** webob.exc.HTTP<status>(explanation=…). */
export const httpError = (status: number, explanation?: string) => new HttpError(status, explanation ?? defaultExplanation(status));

export const METADATA_ERRORS: ErrorFormat = {
  internalMessage: UNKNOWN_ERROR,
  render(p, req) {
    const accept = req.headers.accept;
    const contentType = req.headers['content-type'];
    return renderWebobError(
      { status: p.status, explanation: p.message },
      { method: req.method, accept: Array.isArray(accept) ? accept[0] : accept, contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '' },
    );
  },
};
