import { atLeast, minVersion, parseVersion } from '../apiversion.ts';
import { CommandError } from '../errors.ts';
import { type Json, listTable, propertiesTable } from '../format.ts';
import type { Session } from '../session.ts';

/** The newest microversion that still has GET /os-hypervisors/statistics. */
const STATISTICS_MAX = parseVersion('2.87');

/** `nova hypervisor-list [--matching P]`: ID, Hypervisor hostname, State, Status. */
export async function hypervisorList(s: Session, o: { matching?: string } = {}): Promise<void> {
  let hypervisors: Json[];
  if (o.matching === undefined) {
    hypervisors = (await s.client.get<{ hypervisors: Json[] }>('/os-hypervisors')).hypervisors ?? [];
  } else if (atLeast(await s.client.apiVersion(), '2.53')) {
    hypervisors = (await s.client.get<{ hypervisors: Json[] }>('/os-hypervisors', { hypervisor_hostname_pattern: o.matching })).hypervisors ?? [];
  } else {
    hypervisors = (await s.client.get<{ hypervisors: Json[] }>(`/os-hypervisors/${encodeURIComponent(o.matching)}/search`)).hypervisors ?? [];
  }
  s.out.print(
    listTable(
      ['ID', 'Hypervisor hostname', 'State', 'Status'],
      hypervisors.map((h) => [h.id, h.hypervisor_hostname, h.state, h.status]),
    ),
  );
}

/**
 * `nova hypervisor-stats`: the statistics over all compute nodes. The API
 * removed them in 2.88, so a negotiated version is capped at 2.87; a version
 * pinned at 2.88 or later is refused as novaclient does.
 */
export async function hypervisorStats(s: Session): Promise<void> {
  const v = await s.client.apiVersion();
  if (s.client.versionPinned && atLeast(v, '2.88')) throw new CommandError('The hypervisor-stats command is not supported in API version 2.88 or later.');
  const body = await s.client.get<{ hypervisor_statistics: Json }>('/os-hypervisors/statistics', undefined, minVersion(v, STATISTICS_MAX));
  s.out.print(propertiesTable(body.hypervisor_statistics ?? {}));
}
