/** Flavor bodies as Nova's views/flavors.py renders them, by microversion. */

import type { FlavorDTO } from '../../../objects/flavor.ts';
import { atLeast, type Microversion } from '../../microversion.ts';
import { type Link, links } from './common.ts';

/** 2.55 adds description; 2.61 embeds extra_specs; 2.75 renders swap 0 as 0 instead of "". */
export const FLAVOR_DESCRIPTION_MICROVERSION = '2.55';
export const FLAVOR_EXTRA_SPECS_MICROVERSION = '2.61';

export interface FlavorViewOptions {
  readonly baseUrl: string;
  readonly version: Microversion;
  /** Embed extra_specs (2.61+ and the caller may see them). */
  readonly includeExtraSpecs?: boolean;
  /** Override the description rule (create before 2.55 never shows it; update always does). */
  readonly includeDescription?: boolean;
}

export interface FlavorBody {
  id: string;
  name: string;
  links: Link[];
  description?: string | null;
  [key: string]: unknown;
}

/** GET /flavors item: id, name, links (+ description from 2.55). */
export function flavorBrief(f: FlavorDTO, o: FlavorViewOptions): FlavorBody {
  const body: FlavorBody = { id: f.flavorid, name: f.name, links: links(o.baseUrl, 'flavors', f.flavorid) };
  if (o.includeDescription ?? atLeast(o.version, FLAVOR_DESCRIPTION_MICROVERSION)) body.description = f.description;
  return body;
}

/** GET /flavors/detail item and GET /flavors/{id}. */
export function flavorDetail(f: FlavorDTO, o: FlavorViewOptions): FlavorBody {
  const body: FlavorBody = {
    id: f.flavorid,
    name: f.name,
    ram: f.memory_mb,
    disk: f.root_gb,
    swap: atLeast(o.version, '2.75') ? f.swap || 0 : f.swap || '',
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
    'OS-FLV-DISABLED:disabled': f.disabled,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': f.is_public,
    rxtx_factor: f.rxtx_factor || '',
    links: links(o.baseUrl, 'flavors', f.flavorid),
  };
  if (o.includeDescription ?? atLeast(o.version, FLAVOR_DESCRIPTION_MICROVERSION)) body.description = f.description;
  if (o.includeExtraSpecs && atLeast(o.version, FLAVOR_EXTRA_SPECS_MICROVERSION)) body.extra_specs = f.extra_specs;
  return body;
}

/** {"flavor_access": [{"flavor_id": …, "tenant_id": …}]} */
export function flavorAccessList(flavorid: string, projects: readonly string[]): { flavor_access: { flavor_id: string; tenant_id: string }[] } {
  return { flavor_access: projects.map((p) => ({ flavor_id: flavorid, tenant_id: p })) };
}
