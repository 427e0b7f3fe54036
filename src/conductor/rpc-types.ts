import type { RequestContext } from '../context.ts';
import type { ServiceDTO } from '../objects/service.ts';

export const CONDUCTOR_TOPIC = 'conductor';
export const CONDUCTOR_RPC_VERSION = '1.0';

/** The methods nova-conductor serves; rpcapi.ts calls them, manager.ts implements them. */
export interface ConductorAPI {
  service_register(ctx: RequestContext, args: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO>;
  service_heartbeat(ctx: RequestContext, args: { service_id: number }): Promise<ServiceDTO>;
}

export const CONDUCTOR_METHODS = ['service_register', 'service_heartbeat'] as const satisfies readonly (keyof ConductorAPI)[];
