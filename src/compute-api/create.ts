import { randomBytes, randomUUID } from 'node:crypto';
import { ABSENT_VOLUME_SERVICE } from '../clients/cinder-absent.ts';
import type { RequestContext } from '../context.ts';
import { Forbidden, Invalid } from '../exception/base.ts';
import { FlavorNotFound, ImageNotFound, KeypairNotFound } from '../exception/resources.ts';
import { zoneHasHosts } from '../objects/aggregate.ts';
import type { FlavorDTO } from '../objects/flavor.ts';
import type { FlavorSnapshot, InstanceDTO } from '../objects/instance.ts';
import type { RequestedNetwork } from '../objects/network-info.ts';
import type { ImageMeta, RequestSpec, SchedulerHints } from '../objects/request-spec.ts';
import { TaskState, VmState } from '../objects/states.ts';
import type { ComputeApiDeps } from './api.ts';
import { type BdmRequest, planBlockDevices, recordBlockDevices } from './block-device-mappings.ts';
import { autoDiskConfigFor } from './disk-config.ts';
import { imageDefinedBdms, imageSystemMetadata, onceEachImage } from './image-block-devices.ts';
import { checkInjectedFiles, type InjectedFile } from './injected-files.ts';
import { securityGroupIds, validateNetworks } from './networks.ts';
import { checkGroupQuota, joinGroup, requestedGroup } from './server-groups.ts';
import { zoneForVolumes } from './volume-zones.ts';

/**
 * Creating servers (nova.compute.api.API.create): check the flavor, the
 * image (with the image service, as the caller), the key pair, the zone, the
 * server group and the quota; record the instances (building/scheduling) and
 * their `create` actions; recheck the quota; hand the request to the
 * scheduler. Answers at once: the build goes on asynchronously.
 */

/** Checks a boot against the project's quota, before and after the instances are recorded; throws OverQuota. */
export interface QuotaChecker {
  checkInstances(ctx: RequestContext, projectId: string, userId: string, count: number, flavor: FlavorDTO): Promise<void>;
  recheck(ctx: RequestContext, projectId: string, created: { count: number; flavor: FlavorDTO }): Promise<void>;
  /** A resize up: OverQuota when the extra cores and ram do not fit. */
  checkDelta(ctx: RequestContext, projectId: string, userId: string, deltas: { cores: number; ram: number }): Promise<void>;
}

/** What nova-api needs to know of an image to boot from it. */
export interface ImageInfo {
  id: string;
  status: string;
  min_ram: number;
  min_disk: number;
  properties: Record<string, string>;
}

/** The image service as nova-api uses it (with the caller's rights); throws ImageNotFound. */
export interface ImageLookup {
  show(ctx: RequestContext, imageId: string): Promise<ImageInfo>;
}

export interface CreateParams {
  name: string;
  flavorId: string;
  imageRef: string;
  metadata: Record<string, string>;
  availabilityZone: string | null;
  forcedHost: string | null;
  forcedNode: string | null;
  keyName: string | null;
  minCount: number;
  maxCount: number;
  userData: string | null;
  tags: string[];
  description: string | null;
  hints: SchedulerHints;
  accessIpV4: string | null;
  accessIpV6: string | null;
  adminPass: string | null;
  hostname: string | null;
  configDrive: boolean;
  /** OS-DCF:diskConfig: AUTO (true), MANUAL (false), or not given (null: the image's auto_disk_config decides). */
  autoDiskConfig?: boolean | null;
  /** Personality files (before 2.57), checked against the injected_files quotas. */
  injectedFiles?: readonly InjectedFile[];
  /** `networks` as given (network_id 'auto'/'none' for the keywords); null: not given. */
  networks?: readonly RequestedNetwork[] | null;
  /** Names (or ids) of the security groups of `security_groups`. */
  securityGroups?: readonly string[];
  /** block_device_mapping_v2 (imageRef may be '' then: a boot from volume). */
  blockDevices?: readonly BdmRequest[];
}

/** Nova's hostname sanitisation (utils.sanitize_hostname). */
export function sanitizeHostname(name: string, defaultName = 'server'): string {
  let h = name
    .replace(/[ _]/g, '-')
    .replace(/[^\w.-]+/g, '')
    .toLowerCase();
  h = h.replace(/^[.-]+|[.-]+$/g, '').slice(0, 63);
  return h || defaultName;
}

function generatePassword(length = 12): string {
  const chars = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}

/** The flavor as an instance keeps it. */
export function flavorSnapshot(f: FlavorDTO): FlavorSnapshot {
  return {
    id: f.id,
    flavorid: f.flavorid,
    name: f.name,
    memory_mb: f.memory_mb,
    vcpus: f.vcpus,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    swap: f.swap,
    rxtx_factor: f.rxtx_factor,
    vcpu_weight: f.vcpu_weight,
    extra_specs: f.extra_specs,
    description: f.description,
  };
}

/** What a create made: the instances, their admin password and reservation id. */
export interface CreatedServers {
  instances: InstanceDTO[];
  adminPass: string;
  reservationId: string;
}

export async function createServers(deps: ComputeApiDeps, ctx: RequestContext, p: CreateParams): Promise<CreatedServers> {
  const db = deps.db;
  const flavor = await db.flavors.getByFlavorId(p.flavorId).catch((e: unknown) => {
    if (e instanceof FlavorNotFound) throw new Invalid(`Flavor ${p.flavorId} could not be found.`);
    throw e;
  });
  if (flavor.disabled) throw new Invalid('Flavor is disabled.');
  if (!flavor.is_public && !ctx.is_admin && !(await db.flavors.hasAccess(flavor.id, ctx.project_id ?? ''))) {
    throw new Invalid(`Flavor ${p.flavorId} could not be found.`);
  }
  const volumes = deps.volume ?? ABSENT_VOLUME_SERVICE;
  // Each image read once; the imageRef's first (Nova's _get_image): it may define the mappings (a volume-backed server's snapshot).
  const lookups = { images: onceEachImage(deps.images) };
  const noDisk = { memory_mb: flavor.memory_mb, root_gb: 0 };
  const imageDefined = p.imageRef ? imageDefinedBdms(await imageFor(lookups, ctx, p.imageRef, noDisk)) : [];
  const bdmPlan = await planBlockDevices({ volume: volumes, image: (id) => imageFor(lookups, ctx, id, noDisk) }, ctx, p.blockDevices ?? [], p.imageRef, p.maxCount, imageDefined);
  const image = bdmPlan.rootImage ?? (await imageFor(lookups, ctx, p.imageRef, bdmPlan.bootFromVolume ? noDisk : flavor));
  const autoDiskConfig = autoDiskConfigFor(p.autoDiskConfig ?? null, image);
  let keyData: string | null = null;
  if (p.keyName) {
    const kp = await db.keypairs.get(ctx.user_id ?? '', p.keyName).catch((e: unknown) => {
      if (e instanceof KeypairNotFound) throw new Invalid('Invalid key_name provided.');
      throw e;
    });
    keyData = kp.public_key;
  }
  // A zone exists when it is the default zone or an aggregate's zone with hosts.
  const zone = p.availabilityZone;
  if (zone && zone !== deps.conf.DEFAULT.default_availability_zone && !zoneHasHosts(await db.aggregates.list(), zone)) {
    throw new Invalid(`The requested availability zone is not available`);
  }
  const maxMeta = deps.conf.quota.metadata_items;
  if (maxMeta >= 0 && Object.keys(p.metadata).length > maxMeta) throw new Forbidden(`Maximum number of metadata items exceeds ${maxMeta}`);
  await checkInjectedFiles(deps, ctx.project_id ?? '', p.injectedFiles ?? []);
  // With a network service: the networks, ports and security groups asked for must exist (as the caller).
  const network = deps.network && (await deps.network.available()) ? deps.network : null;
  // As Nova's _check_requested_secgroups, before the networks and whether or not the server gets a port.
  const securityGroups = network ? await securityGroupIds(network, ctx, p.securityGroups ?? []) : [];
  const requestedNetworks = network ? await validateNetworks(network, ctx, p.networks ?? null) : [];
  if (requestedNetworks.some((r) => r.port_id !== null) && p.maxCount > 1)
    throw new Invalid('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
  const group = await requestedGroup(db, ctx, p.hints);
  const projectId = ctx.project_id ?? '';
  const userId = ctx.user_id ?? '';
  // As Nova: create max_count if the quota allows, else as many as fit, but at least min_count.
  let count = p.maxCount;
  if (deps.quota) {
    for (;;) {
      try {
        await deps.quota.checkInstances(ctx, projectId, userId, count, flavor);
        break;
      } catch (e) {
        if (count <= p.minCount) throw e;
        count--;
      }
    }
  }
  await checkGroupQuota(deps, ctx, group, count);
  const adminPass = p.adminPass ?? generatePassword();
  const reservationId = `r-${randomBytes(4).toString('hex').slice(0, 8)}`;
  const requestedAz = p.availabilityZone ?? deps.conf.DEFAULT.default_schedule_zone;
  const az = zoneForVolumes(deps.conf.cinder.cross_az_attach, deps.conf.DEFAULT.default_availability_zone, requestedAz, bdmPlan.volumeZones ?? []) ?? requestedAz;
  const instances: InstanceDTO[] = [];
  for (let i = 0; i < count; i++) {
    const name = count > 1 ? `${p.name}-${i + 1}` : p.name;
    const inst = await db.instances.create({
      uuid: randomUUID(),
      user_id: userId,
      project_id: projectId,
      image_ref: p.imageRef,
      kernel_id: '',
      ramdisk_id: '',
      hostname: p.hostname ?? sanitizeHostname(name),
      host: null,
      node: null,
      launch_index: i,
      key_name: p.keyName,
      key_data: keyData,
      power_state: 0,
      vm_state: VmState.BUILDING,
      task_state: TaskState.SCHEDULING,
      memory_mb: flavor.memory_mb,
      vcpus: flavor.vcpus,
      root_gb: flavor.root_gb,
      ephemeral_gb: flavor.ephemeral_gb,
      instance_type_id: flavor.id,
      flavor: flavorSnapshot(flavor),
      old_flavor: null,
      new_flavor: null,
      display_name: name,
      display_description: p.description,
      availability_zone: az,
      locked: false,
      auto_disk_config: autoDiskConfig,
      network_info: [],
      locked_by: null,
      locked_reason: null,
      reservation_id: reservationId,
      launched_at: null,
      terminated_at: null,
      scheduled_at: null,
      user_data: p.userData,
      config_drive: p.configDrive ? 'True' : '',
      access_ip_v4: p.accessIpV4,
      access_ip_v6: p.accessIpV6,
      progress: 0,
      root_device_name: null,
      metadata: p.metadata,
      system_metadata: { image_base_image_ref: p.imageRef, ...imageSystemMetadata(image.properties) },
      tags: p.tags,
    });
    await recordBlockDevices(db, volumes, ctx, inst.uuid, bdmPlan);
    await db.history.startAction({ action: 'create', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    instances.push(inst);
  }
  if (deps.quota) {
    try {
      await deps.quota.recheck(ctx, projectId, { count: instances.length, flavor });
    } catch (e) {
      for (const i of instances) {
        await db.instances.destroy(i.uuid).catch((err: unknown) => deps.log.error({ instance_uuid: i.uuid, err }, 'could not remove an instance the quota recheck refused'));
      }
      throw e;
    }
  }
  const instanceGroup = await joinGroup(deps, ctx, group, instances);
  const spec: RequestSpec = {
    instance_uuids: instances.map((i) => i.uuid),
    num_instances: instances.length,
    project_id: projectId,
    user_id: userId,
    flavor: flavorSnapshot(flavor),
    image,
    availability_zone: az,
    force_hosts: p.forcedHost ? [p.forcedHost] : [],
    force_nodes: p.forcedNode ? [p.forcedNode] : [],
    scheduler_hints: p.hints,
    ignore_hosts: [],
    retry: { num_attempts: 1, hosts: [] },
    instance_group: instanceGroup,
    requested_networks: requestedNetworks,
    security_groups: securityGroups,
  };
  await db.requestSpecs.saveFor(spec, { created: true });
  try {
    await deps.scheduler.build_instances(ctx, { request_spec: spec, admin_password: adminPass });
  } catch (e) {
    // The servers are recorded with their request specs: nova-conductor sends a build request that got lost again, so they are accepted all the same.
    deps.log.warn({ instances: spec.instance_uuids, err: e instanceof Error ? e.message : String(e) }, 'could not send the build request; nova-conductor will send it again');
  }
  return { instances, adminPass, reservationId };
}

/** Check the image with the image service (exists for the caller, active, fits the flavor); `missing` is the 400's text when it does not exist. */
export async function imageFor(
  deps: Pick<ComputeApiDeps, 'images'>,
  ctx: RequestContext,
  imageRef: string,
  flavor: Pick<FlavorDTO, 'memory_mb' | 'root_gb'>,
  missing = `Image ${imageRef} could not be found.`,
): Promise<ImageMeta> {
  if (!deps.images) return { id: imageRef, properties: {} };
  let info: ImageInfo;
  try {
    info = await deps.images.show(ctx, imageRef);
  } catch (e) {
    if (e instanceof ImageNotFound) throw new Invalid(missing);
    throw e;
  }
  if (info.status !== 'active') throw new Invalid(`Image ${imageRef} is not active.`);
  if (info.min_ram > flavor.memory_mb) throw new Invalid("Flavor's memory is too small for requested image.");
  if (flavor.root_gb > 0 && info.min_disk > flavor.root_gb) throw new Invalid("Flavor's disk is too small for requested image.");
  return { id: info.id, properties: info.properties };
}
