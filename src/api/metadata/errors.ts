/**
 * nova-api-metadata's errors as webob renders Nova's HTTPNotFound,
 * HTTPForbidden, HTTPBadRequest, HTTPConflict and HTTPInternalServerError:
 * by the Accept header, HTML (`*\/*`, what curl and cloud-init send), JSON
 * `{"message", "code": "404 Not Found", "title"}`, or plain text (no Accept).
 */
import type { ErrorFormat } from '../../http/app.ts';
import { HttpError } from '../../http/errors.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** webob's default explanations. */
const EXPLANATIONS: Record<number, string> = {
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
};

/** Nova's 'An unknown error has occurred. Please try your request again.' (a lookup that failed). */
export const UNKNOWN_ERROR = 'An unknown error has occurred. Please try your request again.';

/** webob.exc.HTTP<status>(explanation=…). */
export const httpError = (status: number, explanation?: string) => new HttpError(status, explanation ?? EXPLANATIONS[status] ?? TITLES[status] ?? 'Error');

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The best of text/html and application/json for an Accept header (webob's best_match); null: plain text. */
function negotiate(accept: string | undefined): 'text/html' | 'application/json' | null {
  if (!accept) return null;
  let best: { offer: 'text/html' | 'application/json'; q: number } | null = null;
  for (const offer of ['text/html', 'application/json'] as const) {
    let match: { q: number; specificity: number } | null = null;
    for (const part of accept.split(',')) {
      const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      const specificity = range === offer ? 3 : range === `${offer.split('/')[0]}/*` ? 2 : range === '*/*' ? 1 : 0;
      if (specificity > (match?.specificity ?? 0)) match = { q: q ? Number.parseFloat(q.slice(2)) : 1, specificity };
    }
    if (match && match.q > 0 && (!best || match.q > best.q)) best = { offer, q: match.q };
  }
  return best?.offer ?? null;
}

export const METADATA_ERRORS: ErrorFormat = {
  internalMessage: UNKNOWN_ERROR,
  render(p, req) {
    const status = `${p.status} ${TITLES[p.status] ?? 'Error'}`;
    const message = p.message;
    const accept = req.headers.accept;
    const offer = negotiate(Array.isArray(accept) ? accept[0] : accept);
    if (offer === 'application/json')
      return { body: JSON.stringify({ message: `${message}<br /><br />\n\n\n`, code: status, title: TITLES[p.status] ?? 'Error' }), type: 'application/json' };
    if (offer === 'text/html') {
      return {
        body: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${escapeHtml(message)}<br /><br />\n\n\n\n </body>\n</html>`,
        type: 'text/html; charset=UTF-8',
      };
    }
    return { body: `${status}\n\n${message}\n\n\n`, type: 'text/plain; charset=UTF-8' };
  },
};
