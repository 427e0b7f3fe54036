import type { CertAPI } from '../../cert/rpc-types.ts';
import type { ComputeApi } from '../../compute-api/api.ts';
import type { Route } from '../types.ts';
import { aggregateImagesRoutes } from './aggregate-images.ts';
import { aggregatesRoutes } from './aggregates.ts';
import { attachInterfacesRoutes } from './attach-interfaces.ts';
import { availabilityZoneRoutes } from './availability-zone.ts';
import { certificatesRoutes } from './certificates.ts';
import { consoleAuthTokenRoutes } from './console-auth-tokens.ts';
import type { ApiDeps } from './deps.ts';
import { extensionsRoutes } from './extensions.ts';
import { flavorAccessRoutes } from './flavor-access.ts';
import { flavorsRoutes } from './flavors.ts';
import { flavorExtraSpecsRoutes } from './flavors-extraspecs.ts';
import { floatingIpRoutes } from './floating-ips.ts';
import { hostsRoutes } from './hosts.ts';
import { hypervisorsRoutes } from './hypervisors.ts';
import { imageMetadataRoutes } from './image-metadata.ts';
import { imagesRoutes } from './images.ts';
import { instanceActionRoutes } from './instance-actions.ts';
import { instanceUsageAuditLogRoutes } from './instance-usage-audit-log.ts';
import { ipsRoutes } from './ips.ts';
import { keypairsRoutes } from './keypairs.ts';
import { limitsRoutes } from './limits.ts';
import { migrationsRoutes } from './migrations.ts';
import { networkProxyRoutes } from './network-proxies.ts';
import { quotaClassSetsRoutes } from './quota-class-sets.ts';
import { quotaSetsRoutes } from './quota-sets.ts';
import { remoteConsoleRoutes } from './remote-consoles.ts';
import { removedRoutes } from './removed.ts';
import { securityGroupRoutes } from './security-groups.ts';
import { serverActionRoutes } from './server-actions.ts';
import { volumeAttachmentsRoutes } from './volume-attachments.ts';
import { volumesRoutes } from './volumes.ts';
import { volumesBootRoutes } from './volumes-boot.ts';
import './server-admin-actions.ts';
import './server-images.ts';
import './server-rescue.ts';
import './server-shelve.ts';
import { serverDiagnosticsRoutes } from './server-diagnostics.ts';
import { serverExternalEventsRoutes } from './server-external-events.ts';
import { serverGroupsRoutes } from './server-groups.ts';
import { serverMetadataRoutes } from './server-metadata.ts';
import { serverMigrationsRoutes } from './server-migrations.ts';
import './server-moves.ts';
import './server-rebuild.ts';
import { serverPasswordRoutes } from './server-password.ts';
import { serverTagsRoutes } from './server-tags.ts';
import { serverTopologyRoutes } from './server-topology.ts';
import { serversRoutes } from './servers.ts';
import { servicesRoutes } from './services.ts';
import { simpleTenantUsageRoutes } from './simple-tenant-usage.ts';
import { versionShowRoutes } from './version-show.ts';

/** Top-level collections under /v2.1 (used to recognise legacy /v2.1/{project_id}/… URLs). */
export const COLLECTIONS = [
  'servers',
  'flavors',
  'os-services',
  'os-hypervisors',
  'os-availability-zone',
  'limits',
  'os-keypairs',
  'os-quota-sets',
  'os-instance-actions',
  'extensions',
  'images',
  'os-console-auth-tokens',
  'os-certificates',
  'os-simple-tenant-usage',
  'os-aggregates',
  'os-migrations',
  'os-server-groups',
  'os-hosts',
  'os-server-external-events',
  'os-quota-class-sets',
  'os-instance_usage_audit_log',
  'versions',
  'os-floating-ip-pools',
  'os-floating-ips',
  'os-security-groups',
  'os-security-group-rules',
  'os-volumes',
  'os-snapshots',
  'os-volumes_boot',
  // removed from Nova (410)
  'os-agents',
  'os-cells',
  'os-cloudpipe',
  'os-fixed-ips',
  'os-floating-ip-dns',
  'os-floating-ips-bulk',
  'os-fping',
  'os-networks',
  'os-security-group-default-rules',
  'os-tenant-networks',
] as const;

/** The servers' routes (they need the compute API façade, which talks to the bus). */
function serverRoutes(deps: ApiDeps, compute: ComputeApi | undefined): Route[] {
  if (!compute) return [];
  const d = { ...deps, compute };
  return [
    ...serversRoutes(d),
    ...serverActionRoutes(d),
    ...serverMetadataRoutes(d),
    ...serverTagsRoutes(d),
    ...instanceActionRoutes(d),
    ...remoteConsoleRoutes(d),
    ...consoleAuthTokenRoutes(compute),
    ...serverPasswordRoutes(d),
    ...ipsRoutes(d),
    ...attachInterfacesRoutes(d),
    ...volumeAttachmentsRoutes(d),
    ...volumesRoutes(d),
    ...volumesBootRoutes(d),
    ...networkProxyRoutes(d),
    ...floatingIpRoutes(d),
    ...securityGroupRoutes(d),
    ...serverDiagnosticsRoutes(d),
    ...serverMigrationsRoutes(d),
    ...serverTopologyRoutes(d),
  ];
}

/** The route table of the Compute API: every resource module contributes its rows. */
export function computeRoutes(_deps: ApiDeps, compute?: ComputeApi, cert?: CertAPI): Route[] {
  return [
    ...certificatesRoutes(cert),
    ...serverRoutes(_deps, compute),
    ...flavorsRoutes(_deps),
    ...flavorExtraSpecsRoutes(_deps),
    ...flavorAccessRoutes(_deps),
    ...servicesRoutes(_deps),
    ...hypervisorsRoutes(_deps),
    ...availabilityZoneRoutes(_deps),
    ...keypairsRoutes(_deps),
    ...quotaSetsRoutes(_deps),
    ...limitsRoutes(_deps),
    ...aggregatesRoutes(_deps),
    ...serverGroupsRoutes(_deps),
    ...simpleTenantUsageRoutes(_deps),
    ...migrationsRoutes(_deps),
    ...extensionsRoutes(),
    ...hostsRoutes(_deps),
    ...serverExternalEventsRoutes(_deps),
    ...imagesRoutes(_deps),
    ...imageMetadataRoutes(_deps),
    ...aggregateImagesRoutes(_deps),
    ...quotaClassSetsRoutes(_deps),
    ...instanceUsageAuditLogRoutes(_deps),
    ...removedRoutes(),
    ...versionShowRoutes(),
    // resource route lists are added here, one line per resource module
  ];
}
