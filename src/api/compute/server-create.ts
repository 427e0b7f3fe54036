/**
 * POST /servers (nova/api/openstack/compute/servers.py create): the body
 * checked against the schema of the request's microversion, turned into
 * the façade's CreateParams, and Nova's 202 answer (or the reservation id).
 */

import type { CreateParams } from '../../compute-api/api.ts';
import type { BdmRequest } from '../../compute-api/block-device-mappings.ts';
import { Forbidden, Invalid } from '../../exception/base.ts';
import { FixedIpAlreadyInUse, NetworkAmbiguous, NetworkNotFound, PortInUse, PortNotFound, SecurityGroupNotFound } from '../../exception/network.ts';
import { normalizeIpv6 } from '../../util/ipv6.ts';
import { badRequest, HttpError } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { authorize } from '../policy.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { pyRepr, pyStr, validate } from '../validation.ts';
import { bdmSchemaFor } from './schemas/block-device-mapping.ts';
import { boolFromString, isUuidLike, refId } from './schemas/parameter-types.ts';
import * as schema from './schemas/servers.ts';
import { booleanValue, injectedFiles, instanceCounts, requestedNetworks } from './server-create-checks.ts';
import type { ServerApiDeps } from './servers.ts';
import { built, settle } from './settle.ts';
import { links } from './views/common.ts';

/** The create schema of a microversion, as Nova's validation decorators on create pick them. */
function createSchemaFor(v: Microversion) {
  const table = [
    ['2.90', schema.createV290],
    ['2.74', schema.createV274],
    ['2.63', schema.createV263],
    ['2.57', schema.createV257],
    ['2.52', schema.createV252],
    ['2.42', schema.createV242],
    ['2.37', schema.createV237],
    ['2.32', schema.createV232],
    ['2.19', schema.createV219],
  ] as const;
  for (const [min, s] of table) if (atLeast(v, min)) return s;
  return schema.create;
}

/** A hint given as one value or a list, as a list. */
const toList = (v: string | readonly string[] | undefined): string[] | undefined => (v === undefined ? undefined : typeof v === 'string' ? [v] : [...v]);

/** `zone:host:node` in availability_zone (admins), and host/hypervisor_hostname from 2.74: where the caller wants the server. */
async function requestedPlace(deps: ServerApiDeps, req: ApiRequest, s: schema.CreateBody['server']) {
  let zone = s.availability_zone ?? null;
  let host: string | null = null;
  let node: string | null = null;
  if (zone?.includes(':')) {
    const [z, h, n] = zone.split(':');
    authorize(req.ctx, 'os_compute_api:servers:create:forced_host');
    zone = z || null;
    host = h || null;
    node = n || null;
  }
  if (s.host !== undefined || s.hypervisor_hostname !== undefined) {
    if (!req.ctx.is_admin) throw new HttpError(403, "Policy doesn't allow compute:servers:create:requested_destination to be performed.");
    host = s.host ?? host;
    node = s.hypervisor_hostname ?? node;
    if (host && !(await deps.db.services.findByHostAndBinary(host, 'nova-compute'))) throw badRequest(`Compute host ${host} could not be found.`);
  }
  return { zone, host, node };
}

/** block_device_mapping_v2, checked as Nova's schema for this microversion; delete_on_termination as a boolean. */
function blockDevicesOf(req: ApiRequest, body: unknown): BdmRequest[] {
  const checked = validate(bdmSchemaFor(req.version), body);
  return (checked.server.block_device_mapping_v2 ?? []).map(({ delete_on_termination, ...b }) => ({
    ...b,
    ...(delete_on_termination === undefined ? {} : { delete_on_termination: boolFromString(delete_on_termination, true) }),
  }));
}

export async function createServer(deps: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const body: schema.CreateBody = validate(createSchemaFor(req.version), req.body);
  const s = body.server;
  const hints = body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {};
  const group = hints.group;
  if (group !== undefined && (typeof group !== 'string' || !isUuidLike(group))) {
    throw badRequest(`Invalid input for field/attribute group. Value: ${pyStr(group)}. ${pyRepr(group)} is not ${typeof group === 'string' ? "a 'uuid'" : "of type 'string'"}`);
  }
  const place = await requestedPlace(deps, req, s);
  const imageRef = s.imageRef !== undefined ? refId(s.imageRef) : '';
  const blockDevices = blockDevicesOf(req, body);
  // _image_from_req_data: no imageRef is a boot from volume when block devices are given.
  if (!imageRef && !blockDevices.length) throw badRequest('Missing imageRef attribute');
  const { minCount, maxCount } = instanceCounts(s);
  const networks = requestedNetworks(s.networks);
  const params: CreateParams = {
    name: s.name,
    flavorId: refId(s.flavorRef),
    imageRef,
    metadata: s.metadata ?? {},
    availabilityZone: place.zone,
    forcedHost: place.host,
    forcedNode: place.node,
    keyName: s.key_name ?? null,
    minCount,
    maxCount,
    userData: s.user_data ?? null,
    tags: s.tags ?? [],
    // Before 2.19 there is no description: Nova records the name as the description.
    description: atLeast(req.version, '2.19') ? (s.description ?? null) : s.name,
    hints: { ...hints, same_host: toList(hints.same_host), different_host: toList(hints.different_host), group },
    accessIpV4: s.accessIPv4 ?? null,
    accessIpV6: s.accessIPv6 === undefined ? null : normalizeIpv6(s.accessIPv6),
    adminPass: s.adminPass ?? null,
    hostname: s.hostname ?? null,
    configDrive: booleanValue(s.config_drive),
    autoDiskConfig: s['OS-DCF:diskConfig'] === undefined ? null : s['OS-DCF:diskConfig'] === 'AUTO',
    injectedFiles: injectedFiles(s, req.version),
    networks: networks?.map((n) => ({ network_id: n.networkId, port_id: n.portId, address: n.address, tag: n.tag })) ?? null,
    securityGroups: (s.security_groups ?? []).flatMap((g) => (g.name === undefined ? [] : [g.name])),
    blockDevices,
  };
  let result: Awaited<ReturnType<ServerApiDeps['compute']['create']>>;
  try {
    result = await deps.compute.create(req.ctx, params);
  } catch (e) {
    if (e instanceof Invalid || e instanceof NetworkNotFound || e instanceof PortNotFound || e instanceof SecurityGroupNotFound || e instanceof FixedIpAlreadyInUse) {
      throw badRequest(e.message);
    }
    if (e instanceof Forbidden) throw new HttpError(403, e.message);
    if (e instanceof PortInUse || e instanceof NetworkAmbiguous) throw new HttpError(409, e.message);
    throw e;
  }
  await settle(
    deps,
    result.instances.map((i) => i.uuid),
    built,
  );
  // Nova tests the value as given: any string (even "False") asks for the reservation id.
  if (s.return_reservation_id !== undefined && s.return_reservation_id !== false) return { status: 202, body: { reservation_id: result.reservationId } };
  const first = result.instances[0];
  if (!first) throw badRequest('No servers were created.');
  const server = {
    id: first.uuid,
    links: links(req.baseUrl, 'servers', first.uuid),
    'OS-DCF:diskConfig': first.auto_disk_config ? 'AUTO' : 'MANUAL',
    // The groups asked for, as given (the default group when none), as Nova's view of a create.
    security_groups: s.security_groups ?? [{ name: 'default' }],
    adminPass: result.adminPass,
  };
  return { status: 202, body: { server }, headers: { Location: `${req.baseUrl}/v2.1/servers/${first.uuid}` } };
}
