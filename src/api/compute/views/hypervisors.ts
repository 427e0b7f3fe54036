/** Hypervisor bodies as Nova's hypervisors.py renders them, by microversion. */
import type { NovaConfig } from '../../../conf/loader.ts';
import type { ComputeNodeDTO } from '../../../objects/compute-node.ts';
import type { InstanceDTO } from '../../../objects/instance.ts';
import type { ServiceDTO } from '../../../objects/service.ts';
import { atLeast, type Microversion } from '../../microversion.ts';
import { serviceIsAlive } from './services.ts';

/** The usage figures as Nova's resource tracker reports them: *_used include what is reserved for the host. */
export interface NodeUsage {
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  free_ram_mb: number;
  free_disk_gb: number;
  current_workload: number;
  running_vms: number;
  disk_available_least: number;
}

/** A compute node's figures: claimed usage plus the host reservations, free = total - used. */
export function nodeUsage(n: ComputeNodeDTO): NodeUsage {
  const memoryUsed = n.memory_mb_used + n.reserved_memory_mb;
  const diskUsed = n.local_gb_used + n.reserved_disk_gb;
  return {
    vcpus: n.vcpus,
    memory_mb: n.memory_mb,
    local_gb: n.local_gb,
    vcpus_used: n.vcpus_used + n.reserved_vcpus,
    memory_mb_used: memoryUsed,
    local_gb_used: diskUsed,
    free_ram_mb: n.memory_mb - memoryUsed,
    free_disk_gb: n.local_gb - diskUsed,
    current_workload: n.current_workload,
    running_vms: n.running_vms,
    disk_available_least: n.disk_available_least ?? 0,
  };
}

/** Instance.name: [DEFAULT] instance_name_template with the instance id (instance-%08x). */
export function instanceName(conf: NovaConfig, id: number): string {
  return conf.DEFAULT.instance_name_template
    .replace(/%(0?)(\d*)x/, (_m, zero: string, width: string) => id.toString(16).padStart(Number(width || 0), zero ? '0' : ' '))
    .replace(/%(0?)(\d*)d/, (_m, zero: string, width: string) => String(id).padStart(Number(width || 0), zero ? '0' : ' '));
}

export interface HypervisorViewOptions {
  readonly conf: NovaConfig;
  readonly version: Microversion;
  readonly detail: boolean;
  /** Instances on the node's host (with_servers or the pre-2.53 /servers route). */
  readonly servers?: readonly InstanceDTO[] | null;
  /** with_servers was requested: from 2.75 an empty list is still shown. */
  readonly withServers?: boolean;
  readonly now?: Date;
}

function cpuInfo(raw: string, version: Microversion): unknown {
  if (!atLeast(version, '2.28')) return raw;
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed;
  } catch {
    return {};
  }
}

/**
 * One hypervisor: id (integer before 2.53, uuid from 2.53),
 * hypervisor_hostname, state, status; detail adds type, version, host_ip,
 * service, the usage figures and cpu_info (a JSON string before 2.28, an
 * object after) until 2.87, and uptime from 2.88 (null: not reported here).
 */
export function hypervisorView(node: ComputeNodeDTO, service: ServiceDTO, o: HypervisorViewOptions): Record<string, unknown> {
  const uuidForId = atLeast(o.version, '2.53');
  const body: Record<string, unknown> = {
    id: uuidForId ? node.uuid : node.id,
    hypervisor_hostname: node.hypervisor_hostname,
    state: serviceIsAlive(o.conf, service, o.now) ? 'up' : 'down',
    status: service.disabled ? 'disabled' : 'enabled',
  };
  if (o.detail) {
    body.hypervisor_type = node.hypervisor_type;
    body.hypervisor_version = node.hypervisor_version;
    body.host_ip = node.host_ip;
    body.service = { id: uuidForId ? service.uuid : service.id, host: node.host, disabled_reason: service.disabled_reason };
    if (!atLeast(o.version, '2.88')) {
      Object.assign(body, nodeUsage(node));
      body.cpu_info = cpuInfo(node.cpu_info, o.version);
    } else {
      body.uptime = null;
    }
  }
  if (o.servers && o.servers.length > 0) body.servers = o.servers.map((i) => ({ name: instanceName(o.conf, i.id), uuid: i.uuid }));
  else if (o.withServers && atLeast(o.version, '2.75')) body.servers = [];
  return body;
}

/** GET /os-hypervisors/statistics: sums over the nodes of enabled compute services. */
export function hypervisorStatistics(nodes: readonly ComputeNodeDTO[]): { hypervisor_statistics: Record<string, number> } {
  const stats: Record<string, number> = {
    count: 0,
    vcpus: 0,
    memory_mb: 0,
    local_gb: 0,
    vcpus_used: 0,
    memory_mb_used: 0,
    local_gb_used: 0,
    free_ram_mb: 0,
    free_disk_gb: 0,
    current_workload: 0,
    running_vms: 0,
    disk_available_least: 0,
  };
  for (const n of nodes) {
    stats.count = (stats.count ?? 0) + 1;
    for (const [k, v] of Object.entries(nodeUsage(n))) stats[k] = (stats[k] ?? 0) + v;
  }
  return { hypervisor_statistics: stats };
}
