/** What the detail view of servers needs besides the instances: faults, host states, server groups, the ports' security groups, the volumes. */
import type { InstanceDTO } from '../../objects/instance.ts';
import { serviceIsUp } from '../../service/servicegroup.ts';
import { atLeast } from '../microversion.ts';
import type { ApiRequest } from '../types.ts';
import type { ServerApiDeps } from './servers.ts';
import type { ServerViewContext } from './views/servers.ts';

export async function viewContext(deps: ServerApiDeps, req: ApiRequest, instances: readonly InstanceDTO[], single = false): Promise<ServerViewContext> {
  const errored = instances.filter((i) => i.vm_state === 'error' || i.vm_state === 'deleted').map((i) => i.uuid);
  const faults = await deps.db.history.latestFaults(errored);
  const hostStatus = new Map<string, string>();
  const hosts = [...new Set(instances.flatMap((i) => (i.host ? [i.host] : [])))];
  if (atLeast(req.version, '2.16') && hosts.length) {
    // The services of these servers' hosts only (a cloud of 1,000 hosts has 1,000 rows).
    for (const s of await deps.db.services.list({ binary: 'nova-compute', hosts })) {
      // compute.api.get_instance_host_status: forced down, then disabled, then whether it reports.
      hostStatus.set(s.host, s.forced_down ? 'DOWN' : s.disabled ? 'MAINTENANCE' : serviceIsUp(s, deps.conf.DEFAULT.service_down_time) ? 'UP' : 'UNKNOWN');
    }
  }
  const serverGroups = single && atLeast(req.version, '2.71') ? await deps.db.serverGroups.groupsOf(instances.map((i) => i.uuid)) : undefined;
  const securityGroups = instances.length
    ? await deps.compute.securityGroups.bindings(
        req.ctx,
        instances.map((i) => i.uuid),
      )
    : undefined;
  const volumes = new Map<string, { id: string; delete_on_termination: boolean }[]>();
  for (const b of await deps.db.blockDevices.listByInstances(instances.map((i) => i.uuid))) {
    if (!b.volume_id) continue;
    volumes.set(b.instance_uuid, [...(volumes.get(b.instance_uuid) ?? []), { id: b.volume_id, delete_on_termination: b.delete_on_termination }]);
  }
  return { ctx: req.ctx, version: req.version, baseUrl: req.baseUrl, conf: deps.conf, faults, hostStatus, single, serverGroups, securityGroups, volumes };
}
