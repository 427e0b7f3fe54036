import type { NovaConfig } from '../conf/loader.ts';
import type { DbApi } from '../db/api/index.ts';
import type { Logger } from '../log.ts';
import type { Endpoint } from '../rpc/server.ts';
import type { Transport } from '../rpc/transport.ts';
import type { Manager } from '../service/manager.ts';
import { SCHEDULER_RPC_VERSION } from './rpc-types.ts';

export interface SchedulerDeps {
  conf: NovaConfig;
  db: DbApi;
  transport: Transport;
  log: Logger;
}

/** nova-scheduler: picks hosts for new instances. */
export class SchedulerManager implements Manager {
  readonly endpoints: readonly Endpoint[];

  constructor(readonly deps: SchedulerDeps) {
    this.endpoints = [{ version: SCHEDULER_RPC_VERSION, methods: {} }];
  }
}
