/** The volume API's request types, route table row and what every handler works with. */
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { Microversion } from '../http/microversion.ts';
import type { HttpRequest, HttpResponse, Route } from '../http/route.ts';
import { routeFor } from '../http/route.ts';
import type { Logger } from '../log.ts';
import type { VolumeStore } from './db/store.ts';
import type { VolumeDriver } from './driver.ts';
import type { VolumeImages } from './images.ts';
import type { VolumeWorker } from './worker.ts';

/** What every volume API handler works with. */
export interface VolumeDeps {
  readonly store: VolumeStore;
  readonly conf: NovaConfig['volume_server'];
  /** `[DEFAULT] host`: the volumes' host (<host>@<backend>#<pool>). */
  readonly host: string;
  /** `[DEFAULT] state_path`: where image downloads wait for the driver. */
  readonly stateDir: string;
  readonly log: Logger;
  readonly driver: VolumeDriver;
  readonly worker: VolumeWorker;
  /** The image service as the caller (create from an image, upload to an image); absent: imageRef is refused. */
  readonly images?: VolumeImages | undefined;
}

/** What the volume service adds to every request: who calls, at which microversion. */
export interface VolumeCall {
  readonly ctx: RequestContext;
  readonly version: Microversion;
}

export type VolumeRequest<P extends string = string> = HttpRequest<P> & VolumeCall;
export type VolumeRoute = Route<VolumeCall>;
export const route = routeFor<VolumeCall>();

export const json = (body: unknown, status = 200): HttpResponse => ({ status, body });
export const accepted = (body?: unknown): HttpResponse => ({ status: 202, body });
