import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import type { Logger } from '../log.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { methodsOf } from '../rpc/server.ts';
import type { Manager } from '../service/manager.ts';
import { CONDUCTOR_METHODS, CONDUCTOR_RPC_VERSION, type ConductorAPI } from './rpc-types.ts';

/** nova-conductor: the database work of services that have no database (nova-compute). */
export class ConductorManager implements Manager, ConductorAPI {
  readonly endpoints;

  constructor(
    private readonly db: DbApi,
    private readonly log: Logger,
  ) {
    this.endpoints = [{ version: CONDUCTOR_RPC_VERSION, methods: methodsOf<ConductorAPI>(this, CONDUCTOR_METHODS) }];
  }

  service_register(_ctx: RequestContext, args: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    this.log.debug({ host: args.host, binary: args.binary }, 'registering service');
    return this.db.services.getOrCreate(args);
  }

  service_heartbeat(_ctx: RequestContext, args: { service_id: number }): Promise<ServiceDTO> {
    return this.db.services.heartbeat(args.service_id);
  }
}
