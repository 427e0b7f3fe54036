/**
 * os-interface, nova-api's part (Nova's compute.api.API attach_interface
 * and detach_interface): the lock and state checks (active, paused or
 * stopped, no task), the instance action, then the call (attach: its VIF
 * or its error is the answer) or cast (detach) to the instance's host.
 */

import type { NeutronClient } from '../clients/neutron.ts';
import { ABSENT_NETWORK_SERVICE } from '../clients/neutron-absent.ts';
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { InstanceInvalidState } from '../exception/instance.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { VifInfo } from '../objects/network-info.ts';
import { VmState } from '../objects/states.ts';
import { checkLock, checkState } from './guards.ts';

export interface InterfaceApiDeps {
  readonly db: DbApi;
  readonly compute: ComputeAPI;
  readonly network?: NeutronClient | undefined;
}

/** The vm_states an interface may be attached or detached in (task state none). */
const PLUGGABLE: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED];

export interface AttachRequest {
  networkId: string | null;
  portId: string | null;
  requestedIp: string | null;
  tag: string | null;
}

export class ServerInterfaces {
  constructor(private readonly d: InterfaceApiDeps) {}

  /** The network service as the caller; without one, a service where nothing exists. */
  get network(): NeutronClient {
    return this.d.network ?? ABSENT_NETWORK_SERVICE;
  }

  private async begin(ctx: RequestContext, inst: InstanceDTO, action: string): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, action, PLUGGABLE, [null]);
    if (!inst.host) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, action);
    await this.d.db.history.startAction({ action, instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
  }

  async attach(ctx: RequestContext, inst: InstanceDTO, r: AttachRequest): Promise<VifInfo> {
    await this.begin(ctx, inst, 'attach_interface');
    return this.d.compute.attach_interface(ctx, { instance: inst, network_id: r.networkId, port_id: r.portId, requested_ip: r.requestedIp, tag: r.tag });
  }

  async detach(ctx: RequestContext, inst: InstanceDTO, portId: string): Promise<void> {
    await this.begin(ctx, inst, 'detach_interface');
    await this.d.compute.detach_interface(ctx, { instance: inst, port_id: portId });
  }
}
