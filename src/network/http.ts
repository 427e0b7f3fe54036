/** The network API's request types, route table row and what every handler works with. */
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { HttpRequest, HttpResponse, Route } from '../http/route.ts';
import { routeFor } from '../http/route.ts';
import type { Logger } from '../log.ts';
import type { ResourceStore } from './db/store.ts';
import type { NovaNotifier } from './nova-notifier.ts';

/** What every network API handler works with. */
export interface NetworkDeps {
  readonly store: ResourceStore;
  readonly conf: NovaConfig['neutron_server'];
  readonly log: Logger;
  /** Tells nova about changes of its servers' ports; absent: nova is not told. */
  readonly nova?: NovaNotifier | undefined;
}

/** What the network service adds to every request: who calls. */
export interface NetworkCall {
  readonly ctx: RequestContext;
}

/** One request as a handler sees it. */
export type NetworkRequest<P extends string = string> = HttpRequest<P> & NetworkCall;
/** One row of the route table. */
export type NetworkRoute = Route<NetworkCall>;
/** A row whose handler's `req.params` is typed by its path. */
export const route = routeFor<NetworkCall>();

/** A JSON answer. */
export const json = (body: unknown, status = 200): HttpResponse => ({ status, body });
/** 204 No Content. */
export const noContent = (): HttpResponse => ({ status: 204 });
