/** The Compute API's request, response and route types: the kernel's, with the caller and the microversion. */
import type { RequestContext } from '../context.ts';
import type { Microversion } from '../http/microversion.ts';
import type { HttpRequest, HttpResponse, Route as KernelRoute } from '../http/route.ts';
import { routeFor } from '../http/route.ts';

export type { HttpMethod } from '../http/route.ts';
export { noContent, ok } from '../http/route.ts';

/** What nova-api adds to every request: who calls, at which microversion. */
export interface ComputeCall {
  readonly ctx: RequestContext;
  readonly version: Microversion;
  /** The request came in on the legacy v2 compatible endpoint (/v2/…): version 2.1, no microversion headers. */
  readonly legacyV2?: boolean;
}

/** A Compute API request; `P` (the route's path) types `params`. */
export type ApiRequest<P extends string = string> = HttpRequest<P> & ComputeCall;
export type ApiResponse = HttpResponse;
export type Handler = (req: ApiRequest) => Promise<ApiResponse>;

/**
 * One row of the Compute API's route table (paths under /v2.1). Writes
 * (anything but GET/HEAD) need the member role (or admin), as Nova's
 * PROJECT_MEMBER_OR_ADMIN default: a reader may only read; `policy` names
 * the rule in the 403.
 */
export type Route = KernelRoute<ComputeCall>;

/** A row whose handler's `req.params` is typed by its path. */
export const route = routeFor<ComputeCall>();

/** A Compute API request whose path has these `:params` (for handlers shared by several rows). */
export type ApiRequestOf<N extends string> = ApiRequest & { readonly params: { readonly [K in N]: string } };
