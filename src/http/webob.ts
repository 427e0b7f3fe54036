/**
 * Error bodies as webob renders its HTTP exceptions (what Glance and Nova's
 * metadata service answer): by the request's Accept header, HTML (browsers,
 * `*\/*` as the python clients and cloud-init send), JSON `{"message",
 * "code": "404 Not Found", "title"}` (keystoneauth's `Accept:
 * application/json`), or plain text (no Accept). The message is webob's body
 * template: "<explanation><br /><br />\n<detail>\n\n".
 */

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** webob's default explanation per status (used when none is given). */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n',
  401: 'This server could not verify that you are authorized to\r\naccess the document you requested.  Either you supplied the\r\nwrong credentials (e.g., bad password), or your browser\r\ndoes not understand how to supply the credentials required.\r\n',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  410: 'This resource is no longer available.  No forwarding address is given.',
  413: 'The body of your request was too large for this server.',
  500: 'The server has either erred or is incapable of performing\r\nthe requested operation.\r\n',
  503: 'The server is currently unavailable. Please try again at a later time.',
};

/** A webob HTTP exception: its status, `explanation=` (replaces the default) and `detail=` (shown after it). */
export interface WebobError {
  readonly status: number;
  readonly explanation?: string | undefined;
  readonly detail?: string | undefined;
}

/** What of the request the rendering looks at. */
export interface WebobRequest {
  readonly method: string;
  readonly accept: string | undefined;
  readonly contentType: string;
}

/** The reason phrase webob gives a status. */
export const titleOf = (status: number): string => TITLES[status] ?? 'Error';

/** `404 Not Found`: the status line webob puts in error bodies. */
export const statusLine = (status: number): string => `${status} ${titleOf(status)}`;

/** webob's default explanation of a status, else its title. */
export const defaultExplanation = (status: number): string => EXPLANATIONS[status] ?? titleOf(status);

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

/** webob's body template for the error, values passed through `esc`. */
function bodyTemplate(err: WebobError, req: WebobRequest, esc: (s: string) => string): string {
  const detail = esc(err.detail ?? '');
  if (err.status === 415) return `The request media type ${esc(req.contentType)} is not supported by this server.\n<br /><br />\n${detail}`;
  if (err.status === 405) return `The method ${esc(req.method)} is not allowed for this resource. <br /><br />\n${detail}`;
  return `${esc(err.explanation ?? EXPLANATIONS[err.status] ?? '')}<br /><br />\n${detail}\n\n`;
}

/** The `message` of the JSON error body. */
export function webobMessage(err: WebobError, req: WebobRequest): string {
  return bodyTemplate(err, req, (s) => s);
}

type Offer = 'text/html' | 'application/json';

/** webob's choice between text/html and application/json for an Accept header (best_match); null means plain text. */
export function negotiate(accept: string | undefined): Offer | null {
  if (!accept) return null;
  const ranges = accept
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => /^q=/i.test(p));
      return { range: range.toLowerCase(), q: q ? Number.parseFloat(q.slice(2)) : 1 };
    })
    .filter((r) => r.range.includes('/'));
  let best: { offer: Offer; q: number } | null = null;
  for (const offer of ['text/html', 'application/json'] as const) {
    const [type] = offer.split('/');
    let match: { q: number; specificity: number } | null = null;
    for (const r of ranges) {
      const specificity = r.range === offer ? 3 : r.range === `${type}/*` ? 2 : r.range === '*/*' ? 1 : 0;
      if (specificity > (match?.specificity ?? 0)) match = { q: r.q, specificity };
    }
    if (match && match.q > 0 && (!best || match.q > best.q)) best = { offer, q: match.q };
  }
  return best?.offer ?? null;
}

/** webob's strip_tags, for the plain-text body. */
const stripTags = (s: string) =>
  s
    .replace(/\n/g, ' ')
    .replace(/\r/g, '')
    .replace(/<br.*?>/gi, '\n')
    .replace(/<!--|-->/g, '')
    .replace(/<.*?>/g, '');

/** Body and content type of an error for the request's Accept header. */
export function renderWebobError(err: WebobError, req: WebobRequest): { body: string; type: string } {
  const status = statusLine(err.status);
  const message = webobMessage(err, req);
  const offer = negotiate(req.accept);
  if (offer === 'application/json') return { body: JSON.stringify({ message, code: status, title: titleOf(err.status) }), type: 'application/json' };
  if (offer === 'text/html') {
    const html = bodyTemplate(err, req, escapeHtml);
    return { body: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${html}\n </body>\n</html>`, type: 'text/html' };
  }
  return { body: `${status}\n\n${stripTags(message)}`, type: 'text/plain' };
}
