/**
 * The checks POST /servers makes on a body its schema accepted, as Nova's
 * servers.py does them in Python: the requested networks
 * (_get_requested_networks), the instance counts, the boolean spellings.
 */
import { badRequest } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { BOOLEAN_VALUES, checkNumberRange, isUuidLike } from './schemas/parameter-types.ts';
import type { CreateBody } from './schemas/servers.ts';

/** A network request as Nova keeps it (objects.NetworkRequest). */
export interface NetworkRequest {
  readonly networkId: string | null;
  readonly portId: string | null;
  readonly address: string | null;
  readonly tag: string | null;
}

/**
 * `networks`: "auto"/"none" (2.37+) is one request for that network; a
 * list is checked item by item — a port only once and never with a fixed
 * IP, otherwise a network uuid (in uuid form) is needed. Nothing is known
 * about the networks themselves: there is no network service yet.
 */
export function requestedNetworks(networks: CreateBody['server']['networks']): NetworkRequest[] | null {
  if (networks === undefined) return null;
  if (typeof networks === 'string') return [{ networkId: networks, portId: null, address: null, tag: null }];
  const ports: string[] = [];
  return networks.map((n) => {
    const address = n.fixed_ip ?? null;
    const portId = n.port ?? null;
    const tag = 'tag' in n && typeof n.tag === 'string' ? n.tag : null;
    if (portId) {
      if (ports.includes(portId)) throw badRequest(`Port ID '${portId}' was specified twice: you cannot attach a port multiple times.`);
      if (address !== null) throw badRequest(`Specified Fixed IP '${address}' cannot be used with port '${portId}': the two cannot be specified together.`);
      ports.push(portId);
      return { networkId: null, portId, address, tag };
    }
    if (n.uuid === undefined) throw badRequest("Bad network format: missing 'uuid'");
    if (!isUuidLike(n.uuid)) throw badRequest(`Bad networks format: network uuid is not in proper format (${n.uuid})`);
    return { networkId: n.uuid, portId: null, address, tag };
  });
}

/** min_count/max_count (positive integers, maybe as strings; minimum checked as Nova converts them), max defaulting to min. */
export function instanceCounts(s: CreateBody['server']): { minCount: number; maxCount: number } {
  for (const field of ['min_count', 'max_count'] as const) {
    const v = s[field];
    if (v !== undefined) checkNumberRange(field, v, 1, null);
  }
  const minCount = Number(s.min_count ?? 1);
  const maxCount = Number(s.max_count ?? minCount);
  if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
  return { minCount, maxCount };
}

const TRUE_SPELLINGS = BOOLEAN_VALUES.slice(0, BOOLEAN_VALUES.indexOf(false));

/** parameter_types.boolean as strutils.bool_from_string reads it. */
export function booleanValue(v: boolean | string | undefined): boolean {
  return v !== undefined && TRUE_SPELLINGS.includes(v);
}

/** Personality files (before 2.57): what the body gave, as Nova's injected files. */
export function injectedFiles(s: CreateBody['server'], v: Microversion): { path: string; contents: string }[] {
  return !atLeast(v, '2.57') && s.personality ? s.personality.map((f) => ({ path: f.path, contents: f.contents })) : [];
}
