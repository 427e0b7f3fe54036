/**
 * What nova-api-metadata asks the network service (nova.network.neutron as
 * the metadata service uses it): which instance holds a fixed IP
 * (get_fixed_ip_by_address, for requests that come straight from a guest)
 * and the names of an instance's security groups (EC2 security-groups).
 */
import { httpError, UNKNOWN_ERROR } from './errors.ts';

export interface MetadataNetwork {
  /** The uuid of the instance whose port has fixed IP `address`; null when no port has it. Throws when several do. */
  instanceByAddress(address: string): Promise<string | null>;
  /** Names of the security groups of the instance's ports ([] without ports). */
  securityGroups(instanceUuid: string): Promise<string[]>;
}

/** Without a network service: no instance has a fixed IP, none has a security group. */
export const NO_NETWORK: MetadataNetwork = {
  instanceByAddress: async () => null,
  securityGroups: async () => [],
};

/** What the network service answers that the lookups need: ports and security groups matching filters (as an admin). */
export interface NetworkLookups {
  ports(filters: Record<string, string>): Promise<readonly { device_id: string; security_groups: readonly string[] }[]>;
  securityGroups(ids: readonly string[]): Promise<readonly { id: string; name: string }[]>;
}

/** The lookups over the network service's ports, as Nova's neutron API does them. */
export function networkFromPorts(n: NetworkLookups): MetadataNetwork {
  return {
    async instanceByAddress(address) {
      const ports = await n.ports({ fixed_ips: `ip_address=${address}` });
      if (ports.length === 0) return null;
      // FixedIpAssociatedWithMultipleInstances: not a NotFound, so Nova answers 500.
      if (ports.length > 1) throw httpError(500, UNKNOWN_ERROR);
      return ports[0]?.device_id || null;
    },
    async securityGroups(instanceUuid) {
      const ports = await n.ports({ device_id: instanceUuid });
      const ids = [...new Set(ports.flatMap((p) => p.security_groups))];
      if (ids.length === 0) return [];
      const groups = await n.securityGroups(ids);
      return ids.map((id) => groups.find((g) => g.id === id)?.name).filter((x): x is string => typeof x === 'string');
    },
  };
}
