import type { ConductorRpcApi } from '../conductor/rpcapi.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';
import type { Endpoint } from '../rpc/server.ts';
import type { Manager } from '../service/manager.ts';
import { COMPUTE_RPC_VERSION } from './rpc-types.ts';

export interface ComputeDeps {
  conf: NovaConfig;
  host: string;
  conductor: ConductorRpcApi;
  log: Logger;
}

/** nova-compute: runs instances on this host through its driver. It has no database. */
export class ComputeManager implements Manager {
  readonly endpoints: readonly Endpoint[];

  constructor(readonly deps: ComputeDeps) {
    this.endpoints = [{ version: COMPUTE_RPC_VERSION, methods: {} }];
  }
}
