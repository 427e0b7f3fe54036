import { agentRoutes } from './agents.ts';
import { availabilityRoutes } from './availability.ts';
import { crudRoutes } from './crud.ts';
import { extensionRoutes } from './extensions.ts';
import { floatingIpOps } from './floating-ips.ts';
import type { NetworkDeps, NetworkRoute } from './http.ts';
import { networkOps } from './networks.ts';
import { portOps } from './ports.ts';
import { quotaRoutes } from './quotas.ts';
import { routerInterfaceRoutes, routerOps } from './routers.ts';
import { securityGroupRuleOps } from './security-group-rules.ts';
import { securityGroupOps } from './security-groups.ts';
import { subnetOps } from './subnets.ts';

/** The network API's route table (Neutron v2.0 subset): five rows per collection, then the actions and the rest. */
export function networkRoutes(deps: NetworkDeps): NetworkRoute[] {
  return [
    ...crudRoutes(networkOps, deps),
    ...crudRoutes(subnetOps, deps),
    ...crudRoutes(portOps, deps),
    ...crudRoutes(securityGroupOps, deps),
    ...crudRoutes(securityGroupRuleOps, deps),
    ...crudRoutes(routerOps, deps),
    ...routerInterfaceRoutes(deps),
    ...crudRoutes(floatingIpOps, deps),
    ...quotaRoutes(deps),
    ...extensionRoutes(),
    ...availabilityRoutes(deps),
    ...agentRoutes(deps),
  ];
}
