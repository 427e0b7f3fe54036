/** Glance's error responses: webob HTTP exceptions, rendered as webob does (http/webob.ts). */
import { NovaError } from '../exception/base.ts';
import { renderWebobError, titleOf, type WebobRequest } from '../http/webob.ts';

/** How a GlanceError fills webob's body template, plus extra response headers. */
export interface GlanceErrorOptions {
  /** Replaces webob's default explanation (Glance's `explanation=`). */
  explanation?: string;
  /** Shown after the explanation (Glance's positional argument or `detail=`). */
  detail?: string;
  headers?: Record<string, string>;
}

/** An HTTP error of the image API, rendered as webob renders Glance's. */
export class GlanceError extends NovaError {
  override readonly status: number;
  readonly explanation: string | undefined;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, opts: GlanceErrorOptions = {}) {
    super(opts.explanation ?? opts.detail ?? titleOf(status));
    this.status = status;
    this.explanation = opts.explanation;
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }
}

/** `webob.exc.HTTPBadRequest(explanation=msg)` and friends. */
export const badRequest = (explanation: string) => new GlanceError(400, { explanation });
export const forbidden = (explanation: string) => new GlanceError(403, { explanation });
export const notFound = (explanation?: string) => new GlanceError(404, { explanation });
export const conflict = (explanation: string) => new GlanceError(409, { explanation });
export const tooLarge = (explanation: string) => new GlanceError(413, { explanation });
/** Glance's image lookup failure, as every image call words it. */
export const imageNotFound = (id: string) => notFound(`No image found with ID ${id}`);

/** Body and content type of an error for the request's Accept header, as webob renders Glance's. */
export function renderError(err: GlanceError, req: WebobRequest): { body: string; type: string } {
  return renderWebobError(err, req);
}

/** keystonemiddleware's 401 body (what Glance answers behind keystone auth), whatever the Accept header. */
export function unauthorizedBody(message = 'The request you have made requires authentication.'): { error: { code: number; title: string; message: string } } {
  return { error: { code: 401, title: 'Unauthorized', message } };
}
