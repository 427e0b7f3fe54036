/**
 * Interface hot-plug on this host (Nova's ComputeManager.attach_interface,
 * detach_interface and _process_instance_vif_deleted_event): attach takes
 * the requested port (bound here) or makes one on the requested network
 * (or the project's only one), plugs its VIF through the driver and saves
 * the network info cache; a driver failure gives the port back and is
 * InterfaceAttachFailed. Detach unplugs the VIF, deletes the port nova made
 * (unbinds one it was given) and saves the cache. A port the network
 * service deleted (network-vif-deleted) is unplugged and leaves the cache.
 * One attach or detach at a time per instance, so the cache written last
 * holds every change.
 */

import type { NeutronClient } from '../clients/neutron.ts';
import { ABSENT_NETWORK_SERVICE } from '../clients/neutron-absent.ts';
import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import {
  AttachInterfaceNotSupported,
  InterfaceAttachFailed,
  InterfaceAttachFailedNoNetwork,
  InterfaceDetachFailed,
  NetworkAmbiguous,
  NetworkInterfaceTaggedAttachNotSupported,
  NetworkNotFound,
  PortInUse,
  PortNotFound,
  PortNotUsable,
} from '../exception/network.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { RequestedNetwork, VifInfo } from '../objects/network-info.ts';
import { allocateForInstance, unbind } from './networking.ts';
import { type ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

/** The attach or detach running per instance (Nova's 'interface-<uuid>-<port>' lock, per instance here). */
const running = new Map<string, Promise<unknown>>();

async function serialized<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
  const before = running.get(uuid) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(fn);
  running.set(uuid, mine);
  try {
    return await mine;
  } finally {
    if (running.get(uuid) === mine) running.delete(uuid);
  }
}

/** The host's network service; without one, a service where nothing exists (an attach finds no network or port). */
function networkOf(ops: ComputeOps): NeutronClient {
  return ops.network ?? ABSENT_NETWORK_SERVICE;
}

/**
 * The request to allocate (Nova's validate_networks for one attach): the
 * port exists, belongs to the project and is free; the network exists and
 * the project may use it; no request: the project's only network.
 */
async function requestFor(neutron: NeutronClient, ctx: RequestContext, instance: InstanceDTO, a: ComputeArgs<'attach_interface'>): Promise<RequestedNetwork> {
  const tag = a.tag ?? null;
  if (a.port_id) {
    const port = await neutron.show(ctx, 'ports', a.port_id, true).catch((e: unknown) => {
      throw e instanceof PortNotFound ? PortNotFound.of(a.port_id ?? '') : e;
    });
    if (port.tenant_id !== instance.project_id) throw PortNotUsable.of(port.id, instance.uuid);
    if (port.device_id) throw PortInUse.of(port.id);
    return { network_id: port.network_id, port_id: port.id, address: null, tag };
  }
  if (a.network_id) {
    const [net] = await neutron.list(ctx, 'networks', { id: a.network_id }, true);
    if (!net || (net.tenant_id !== instance.project_id && !net.shared)) throw NetworkNotFound.of(a.network_id);
    return { network_id: net.id, port_id: null, address: a.requested_ip ?? null, tag };
  }
  const own = await neutron.list(ctx, 'networks', { tenant_id: instance.project_id, shared: false }, true);
  const shared = await neutron.list(ctx, 'networks', { shared: true }, true);
  const nets = [...new Set([...own, ...shared].filter((n) => n['router:external'] !== true || n.shared).map((n) => n.id))];
  if (nets.length > 1) throw new NetworkAmbiguous();
  if (!nets[0]) throw InterfaceAttachFailedNoNetwork.of(instance.project_id);
  return { network_id: nets[0], port_id: null, address: null, tag };
}

/** Give a port back: deleted when nova made it, unbound when it was given; already gone is fine. */
async function release(neutron: NeutronClient, ctx: RequestContext, vif: VifInfo): Promise<void> {
  try {
    if (vif.preserve_on_delete) await unbind(neutron, ctx, vif.id);
    else await neutron.delete(ctx, 'ports', vif.id, true);
  } catch (e) {
    if (!(e instanceof PortNotFound)) throw e;
  }
}

/** attach_interface (a call): the VIF attached, or the reason it was not. */
export async function attachInterface(ops: ComputeOps, ctx: RequestContext, a: ComputeArgs<'attach_interface'>): Promise<VifInfo> {
  const caps = ops.driver.capabilities;
  if (!caps.supports_attach_interface || !ops.driver.attachInterface) throw AttachInterfaceNotSupported.of(a.instance.uuid);
  if (a.tag && !caps.supports_tagged_attach_interface) throw new NetworkInterfaceTaggedAttachNotSupported();
  const neutron = networkOf(ops);
  return serialized(a.instance.uuid, () =>
    ops.event(ctx, a.instance, 'compute_attach_interface', async () => {
      const instance = await ops.conductor.instance_get(ctx, { uuid: a.instance.uuid });
      const request = await requestFor(neutron, ctx, instance, a);
      const [vif] = await allocateForInstance(neutron, ctx, instance, [request], [], ops.host);
      if (!vif) throw InterfaceAttachFailed.of(instance.uuid);
      try {
        await ops.driver.attachInterface?.(instance, vif);
      } catch (e) {
        ops.log.warn({ instance: instance.uuid, port: vif.id, err: errorText(e) }, 'attach interface failed, deallocating the port');
        await release(neutron, ctx, vif).catch(ops.logFailure(instance.uuid, `give port ${vif.id} back`));
        throw InterfaceAttachFailed.of(instance.uuid);
      }
      const now = await ops.conductor.instance_get(ctx, { uuid: instance.uuid });
      await ops.update(ctx, instance.uuid, { network_info: [...now.network_info.filter((v) => v.id !== vif.id), vif] });
      ops.log.info({ instance: instance.uuid, port: vif.id }, 'interface attached');
      return vif;
    }),
  );
}

/** detach_interface (a cast): the VIF unplugged, its port given back, the cache saved; a failure is a fault. */
export async function detachInterface(ops: ComputeOps, ctx: RequestContext, a: ComputeArgs<'detach_interface'>): Promise<void> {
  const uuid = a.instance.uuid;
  await serialized(uuid, () =>
    ops
      .event(ctx, a.instance, 'compute_detach_interface', async () => {
        // The cache as the previous attach or detach left it.
        const instance = await ops.conductor.instance_get(ctx, { uuid });
        const vif = instance.network_info.find((v) => v.id === a.port_id);
        if (!vif) throw new PortNotFound(`Port ${a.port_id} is not attached`, { port_id: a.port_id });
        try {
          if (!ops.driver.detachInterface) throw new NovaError('the driver cannot detach interfaces');
          await ops.driver.detachInterface(instance, vif);
        } catch (e) {
          ops.log.warn({ instance: uuid, port: vif.id, err: errorText(e) }, 'detach interface failed');
          throw InterfaceDetachFailed.of(uuid);
        }
        await release(networkOf(ops), ctx, vif);
        const now = await ops.conductor.instance_get(ctx, { uuid });
        await ops.update(ctx, uuid, { network_info: now.network_info.filter((v) => v.id !== vif.id) });
        ops.log.info({ instance: uuid, port: vif.id }, 'interface detached');
      })
      .catch(async (e: unknown) => {
        ops.log.error({ instance: uuid, port: a.port_id, err: errorText(e) }, 'detach_interface failed');
        await ops.fault(ctx, a.instance, e, 'detach_interface');
      }),
  );
}

/**
 * network-vif-deleted: the network service deleted a port of the instance;
 * its VIF is unplugged (a driver that cannot is fine, as Nova ignores
 * NotImplementedError) and leaves the cache. True when the cache had it.
 */
export async function vifDeleted(ops: Pick<ComputeOps, 'driver' | 'log'>, instance: InstanceDTO, portId: string): Promise<boolean> {
  const vif = instance.network_info.find((v) => v.id === portId);
  if (!vif) return false;
  ops.log.info({ instance: instance.uuid, port: portId }, 'Neutron deleted interface; detaching it from the instance and deleting it from the info cache');
  if (ops.driver.detachInterface && ops.driver.capabilities.supports_attach_interface) {
    await ops.driver.detachInterface(instance, vif).catch((e: unknown) => ops.log.warn({ instance: instance.uuid, port: portId, err: errorText(e) }, 'Detach interface failed'));
  }
  return true;
}
