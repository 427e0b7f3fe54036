import path from 'node:path';
import type { NovaConfig } from '../../conf/loader.ts';
import type { Logger } from '../../log.ts';
import { networkPluginRpcApi } from '../../network/rpcapi.ts';
import { bridgeRole, NetworkAgentManager, type RoleDriver } from '../../network-agent/agent.ts';
import { dhcpRole } from '../../network-agent/dhcp.ts';
import { l3Role } from '../../network-agent/l3.ts';
import { MetadataAgent } from '../../network-agent/metadata.ts';
import { securityGroups } from '../../network-agent/security-groups.ts';
import type { Transport } from '../../rpc/transport.ts';
import { LocalServiceRegistry } from '../../service/local-registry.ts';
import { Service } from '../../service/service.ts';

/** `[linux_bridge] physical_interface_mappings` as a map. */
function mappings(specs: readonly string[]): Map<string, string> {
  return new Map(specs.flatMap((s) => (s.includes(':') ? [[s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)] as [string, string]] : [])));
}

/**
 * nova-network-agent: the roles of `[agent] roles` on this host, reading
 * nova-network's state over `transport` (topic q-plugin). It serves no
 * topic and stays out of Nova's services table; it reports to the network
 * service's agents table instead.
 */
export function networkAgentService(conf: NovaConfig, transport: Transport, log: Logger): Service {
  const plugin = networkPluginRpcApi(transport, conf.DEFAULT.rpc_response_timeout * 1000);
  const roles: RoleDriver[] = [];
  const settings = {
    host: conf.DEFAULT.host,
    localIp: conf.vxlan.local_ip ?? conf.DEFAULT.my_ip,
    enableVxlan: conf.vxlan.enable_vxlan,
    udpPort: conf.vxlan.udp_dstport,
    physicalInterfaces: mappings(conf.linux_bridge.physical_interface_mappings),
    log,
  };
  if (conf.agent.roles.includes('bridge')) roles.push(bridgeRole(settings, [securityGroups({ host: settings.host, log })]));
  if (conf.agent.roles.includes('dhcp')) {
    const d = conf.DEFAULT;
    const socket = d.metadata_proxy_socket;
    const metadata = d.enable_isolated_metadata
      ? { socket, agent: new MetadataAgent({ socket, novaHost: d.nova_metadata_host, novaPort: d.nova_metadata_port, secret: conf.neutron.metadata_proxy_shared_secret, log }) }
      : null;
    roles.push(dhcpRole({ host: settings.host, stateDir: path.join(d.state_path, 'network-agent'), dnsDomain: conf.neutron_server.dns_domain, metadata, log }));
  }
  if (conf.agent.roles.includes('l3')) roles.push(l3Role({ host: settings.host, stateDir: path.join(conf.DEFAULT.state_path, 'network-agent'), log }));
  const manager = new NetworkAgentManager({ conf, plugin, roles, log });
  return new Service({ conf, binary: 'nova-network-agent', topic: null, transport, registry: new LocalServiceRegistry(), manager, log });
}
