import { createHash } from 'node:crypto';
import type { NovaConfig } from '../../../conf/loader.ts';
import type { RequestContext } from '../../../context.ts';
import type { InstanceDTO, InstanceFaultDTO } from '../../../objects/instance.ts';
import { serverStatus } from '../../../objects/states.ts';
import { atLeast, type Microversion } from '../../microversion.ts';
import { allowed } from '../../policy.ts';
import { addressesView } from './addresses.ts';
import { isoMicro, isoSeconds, links } from './common.ts';

/** What the detail view needs besides the instance. */
export interface ServerViewContext {
  ctx: RequestContext;
  version: Microversion;
  baseUrl: string;
  conf: NovaConfig;
  /** Newest fault per instance (shown for ERROR/DELETED servers). */
  faults: ReadonlyMap<string, InstanceFaultDTO>;
  /** host → UP/DOWN/MAINTENANCE/UNKNOWN (2.16 host_status). */
  hostStatus: ReadonlyMap<string, string>;
  /** Show server_groups (show/update, 2.71+). */
  single?: boolean;
  /** instance uuid → uuids of its server groups (for server_groups, 2.71+). */
  serverGroups?: ReadonlyMap<string, readonly string[]>;
  /**
   * Only the core attributes, without the extended ones (zone, config drive,
   * key name, usage times, host attributes, states, volumes, host status):
   * PUT /servers/{id} and rebuild before 2.75.
   */
  basic?: boolean;
  /** instance uuid → its ports' security groups (shown unless basic, when there are some). */
  securityGroups?: ReadonlyMap<string, readonly { name: string }[]>;
  /** Leave OS-EXT-SRV-ATTR:user_data out (rebuild answers it apart, from 2.57). */
  hideUserData?: boolean;
  /** instance uuid → its volumes (id, delete_on_termination) in mapping order, for os-extended-volumes:volumes_attached. */
  volumes?: ReadonlyMap<string, readonly { id: string; delete_on_termination: boolean }[]>;
}

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

/** sha224(project_id + host), as Nova's hostId. */
export function hostId(projectId: string, host: string | null): string {
  if (!host) return '';
  const key = `${projectId}${host}`;
  let id = hostIds.get(key);
  if (id === undefined) {
    id = createHash('sha224').update(key).digest('hex');
    // A page of 1,000 servers on a few hundred hosts hashes each pair once (bounded: forgotten all at once when full).
    if (hostIds.size >= 10_000) hostIds.clear();
    hostIds.set(key, id);
  }
  return id;
}
const hostIds = new Map<string, string>();

export function instanceName(conf: NovaConfig, id: number): string {
  return conf.DEFAULT.instance_name_template
    .replace(/%(0?)(\d*)x/, (_m, zero: string, width: string) => id.toString(16).padStart(Number(width || 0), zero ? '0' : ' '))
    .replace('%d', String(id));
}

/** The brief view: id, name, links (GET /servers). */
export function serverBrief(i: InstanceDTO, baseUrl: string) {
  return { id: i.uuid, name: i.display_name ?? '', links: links(baseUrl, 'servers', i.uuid) };
}

function flavorView(i: InstanceDTO, v: ServerViewContext): Record<string, unknown> {
  const f = i.flavor;
  if (atLeast(v.version, '2.47')) {
    return { vcpus: f.vcpus, ram: f.memory_mb, disk: f.root_gb, ephemeral: f.ephemeral_gb, swap: f.swap, original_name: f.name, extra_specs: f.extra_specs ?? {} };
  }
  return { id: f.flavorid, links: [{ rel: 'bookmark', href: `${v.baseUrl}/flavors/${f.flavorid}` }] };
}

function faultView(f: InstanceFaultDTO, ctx: RequestContext): Record<string, unknown> {
  const out: Record<string, unknown> = { code: f.code, created: isoSeconds(f.created_at), message: f.message };
  if (f.details && (ctx.is_admin || f.code !== 500)) out.details = f.details;
  return out;
}

/** The attributes PUT and rebuild leave out before 2.75: zone, config drive, key, usage times, host attributes (admin), states, volumes. */
function extendedAttributes(s: Record<string, unknown>, i: InstanceDTO, v: ServerViewContext, admin: boolean): void {
  s['OS-EXT-AZ:availability_zone'] = i.host ? (i.availability_zone ?? '') : '';
  s.config_drive = i.config_drive;
  s.key_name = i.key_name;
  s['OS-SRV-USG:launched_at'] = isoMicro(i.launched_at);
  s['OS-SRV-USG:terminated_at'] = isoMicro(i.terminated_at);
  if (admin) {
    s['OS-EXT-SRV-ATTR:host'] = i.host;
    s['OS-EXT-SRV-ATTR:instance_name'] = i.host ? instanceName(v.conf, i.id) : '';
    s['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.node;
    if (atLeast(v.version, '2.3')) {
      s['OS-EXT-SRV-ATTR:reservation_id'] = i.reservation_id;
      s['OS-EXT-SRV-ATTR:launch_index'] = i.launch_index;
      s['OS-EXT-SRV-ATTR:hostname'] = i.hostname;
      s['OS-EXT-SRV-ATTR:kernel_id'] = i.kernel_id;
      s['OS-EXT-SRV-ATTR:ramdisk_id'] = i.ramdisk_id;
      s['OS-EXT-SRV-ATTR:root_device_name'] = i.root_device_name;
      if (!v.hideUserData) s['OS-EXT-SRV-ATTR:user_data'] = i.user_data;
    }
  }
  s['OS-EXT-STS:task_state'] = i.task_state;
  s['OS-EXT-STS:vm_state'] = i.vm_state;
  s['OS-EXT-STS:power_state'] = i.power_state;
  // Nova's os-extended-volumes: the id of each volume, delete_on_termination from 2.3.
  const withDelete = atLeast(v.version, '2.3');
  s['os-extended-volumes:volumes_attached'] = (v.volumes?.get(i.uuid) ?? []).map((x) => (withDelete ? { id: x.id, delete_on_termination: x.delete_on_termination } : { id: x.id }));
}

/** The detail view (GET /servers/detail, GET /servers/{id}), shaped per microversion as Nova's. */
export function serverDetail(i: InstanceDTO, v: ServerViewContext): Record<string, unknown> {
  const status = serverStatus(i.vm_state, i.task_state);
  const admin = allowed(v.ctx, 'os_compute_api:os-extended-server-attributes');
  const s: Record<string, unknown> = {
    id: i.uuid,
    name: i.display_name ?? '',
    status,
    tenant_id: i.project_id,
    user_id: i.user_id,
    metadata: i.metadata,
    hostId: hostId(i.project_id, i.host),
    image: i.image_ref ? { id: i.image_ref, links: [{ rel: 'bookmark', href: `${v.baseUrl}/images/${i.image_ref}` }] } : '',
    flavor: flavorView(i, v),
    created: isoSeconds(i.created_at),
    updated: isoSeconds(i.updated_at),
    addresses: addressesView(i, !v.basic),
    accessIPv4: i.access_ip_v4 ?? '',
    accessIPv6: i.access_ip_v6 ?? '',
    links: links(v.baseUrl, 'servers', i.uuid),
    'OS-DCF:diskConfig': i.auto_disk_config ? 'AUTO' : 'MANUAL',
  };
  if (PROGRESS_STATUSES.has(status)) s.progress = i.progress ?? 0;
  const fault = v.faults.get(i.uuid);
  if (fault && (status === 'ERROR' || status === 'DELETED')) s.fault = faultView(fault, v.ctx);
  const showAdminAttrs = !v.basic && admin;
  if (!v.basic) extendedAttributes(s, i, v, showAdminAttrs);
  if (atLeast(v.version, '2.16') && !v.basic && allowed(v.ctx, 'os_compute_api:servers:show:host_status')) {
    // No host, or no nova-compute on it: HostStatus.NONE ('').
    s.host_status = i.host ? (v.hostStatus.get(i.host) ?? '') : '';
  }
  if (atLeast(v.version, '2.9')) s.locked = i.locked;
  if (atLeast(v.version, '2.73')) s.locked_reason = i.locked_reason;
  if (atLeast(v.version, '2.19')) s.description = i.display_description;
  if (atLeast(v.version, '2.26')) s.tags = i.tags;
  if (atLeast(v.version, '2.63')) s.trusted_image_certificates = null;
  if (atLeast(v.version, '2.90') && !showAdminAttrs) s['OS-EXT-SRV-ATTR:hostname'] = i.hostname;
  const groups = v.securityGroups?.get(i.uuid);
  if (!v.basic && groups?.length) s.security_groups = groups.map((g) => ({ ...g }));
  if (v.single && atLeast(v.version, '2.71')) s.server_groups = [...(v.serverGroups?.get(i.uuid) ?? [])];
  return s;
}
