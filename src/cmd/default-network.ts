/**
 * The all-in-one's first start: a shared network `private` with the subnet
 * `private-subnet` (10.0.0.0/24, DHCP), as devstack's shared network, made
 * through the network service as the [neutron] user, so that a boot without
 * networks (2.37+: 'auto', the only network the project sees) gets a port.
 * Without a network service (noauth2 and no [neutron] endpoint_override)
 * there is nothing to make; a failure is logged, not fatal.
 */
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext } from '../context.ts';
import type { Logger } from '../log.ts';
import { neutronFromConfig } from './neutron-client.ts';

export const DEFAULT_NETWORK = { name: 'private', subnet: 'private-subnet', cidr: '10.0.0.0/24' } as const;

export async function createDefaultNetwork(conf: NovaConfig, log: Logger): Promise<void> {
  const neutron = neutronFromConfig(conf, log);
  if (!neutron) return;
  const ctx = adminContext();
  try {
    const existing = await neutron.list(ctx, 'networks', { name: DEFAULT_NETWORK.name }, true);
    if (existing.length) return;
    const net = await neutron.create(ctx, 'networks', { name: DEFAULT_NETWORK.name, shared: true, admin_state_up: true }, true);
    await neutron.create(ctx, 'subnets', { network_id: net.id, name: DEFAULT_NETWORK.subnet, cidr: DEFAULT_NETWORK.cidr, ip_version: 4, enable_dhcp: true }, true);
    log.info({ network: net.id, cidr: DEFAULT_NETWORK.cidr }, `created the shared network ${DEFAULT_NETWORK.name}`);
  } catch (e) {
    log.warn({ err: e instanceof Error ? e.message : String(e) }, `could not create the shared network ${DEFAULT_NETWORK.name}; servers need --network`);
  }
}
