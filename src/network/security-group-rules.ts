/**
 * /v2.0/security-group-rules: the rules of a group (direction, ethertype,
 * protocol, port range, remote prefix or group), checked as
 * neutron.db.securitygroups_db checks them; an identical rule is a 409.
 */
import { randomUUID } from 'node:crypto';
import { string, toIntOrNone, toProtocol, uuid, uuidOrNone, values } from './attributes.ts';
import type { ResourceOps } from './crud.ts';
import type { Doc } from './db/store.ts';
import { badRequest, conflict, NeutronError, notFound } from './errors.ts';
import type { NetworkDeps } from './http.ts';
import { formatCidr, parseCidr } from './ip.ts';
import { owns } from './policy.ts';
import { type ResourceDef, standardAttrs } from './resource.ts';

export const SECURITY_GROUP_RULE: ResourceDef = {
  resource: 'security_group_rule',
  collection: 'security_group_rules',
  attrs: {
    ...standardAttrs({ name: false }),
    security_group_id: { post: true, validate: uuid, sort: true },
    direction: { post: true, validate: values(['ingress', 'egress']), sort: true },
    ethertype: {
      post: true,
      default: 'IPv4',
      convert: (v) => (typeof v === 'string' && v.toLowerCase() === 'ipv4' ? 'IPv4' : typeof v === 'string' && v.toLowerCase() === 'ipv6' ? 'IPv6' : v),
      validate: values(['IPv4', 'IPv6']),
      sort: true,
    },
    protocol: { post: true, default: null, convert: toProtocol, sort: true },
    port_range_min: { post: true, default: null, convert: toIntOrNone, sort: true },
    port_range_max: { post: true, default: null, convert: toIntOrNone, sort: true },
    remote_ip_prefix: { post: true, default: null, validate: (v) => (v === null || parseCidr(v) ? null : `'${String(v)}' is not a valid IP subnet`), sort: true },
    remote_group_id: { post: true, default: null, validate: uuidOrNone, sort: true },
    remote_address_group_id: { post: true, default: null, validate: uuidOrNone },
    normalized_cidr: {},
    belongs_to_default_sg: {},
    description: { post: true, put: true, default: '', validate: string(255) },
  },
};

/** 404 SecurityGroupRuleNotFound. */
export const ruleNotFound = (id: string) => notFound('SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);

/** A rule document of a group (default rules and created ones). */
export function newRule(group: Doc, r: Partial<Record<string, unknown>>): Doc {
  const prefix = typeof r.remote_ip_prefix === 'string' ? r.remote_ip_prefix : null;
  const cidr = prefix ? parseCidr(prefix) : null;
  return {
    id: randomUUID(),
    project_id: group.project_id,
    tenant_id: group.project_id,
    security_group_id: group.id,
    direction: r.direction,
    ethertype: r.ethertype ?? 'IPv4',
    protocol: r.protocol ?? null,
    port_range_min: r.port_range_min ?? null,
    port_range_max: r.port_range_max ?? null,
    remote_ip_prefix: prefix && cidr ? formatCidr(cidr) : null,
    remote_group_id: r.remote_group_id ?? null,
    remote_address_group_id: null,
    normalized_cidr: cidr ? formatCidr(cidr) : null,
    belongs_to_default_sg: group._default === true,
    description: r.description ?? '',
    tags: [],
  };
}

const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite', '6', '17', '132', '33', '136']);
const ICMP = new Set(['icmp', 'ipv6-icmp', 'icmpv6', '1', '58']);

/** _validate_port_range and the other checks of create_security_group_rule. */
function checkRule(v: Record<string, unknown>): void {
  const proto = v.protocol === null ? null : String(v.protocol);
  const min = v.port_range_min as number | null;
  const max = v.port_range_max as number | null;
  if (v.remote_ip_prefix !== null && v.remote_group_id !== null)
    throw new NeutronError(400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
  if ((min !== null || max !== null) && proto === null) throw new NeutronError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  if (proto !== null && PORT_PROTOCOLS.has(proto)) {
    if (min === 0 || max === 0) throw new NeutronError(400, 'SecurityGroupInvalidPortValue', 'Invalid value for port 0');
    if (min !== null && max !== null && min > max) throw new NeutronError(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
    for (const p of [min, max]) if (p !== null && (p < 1 || p > 65535)) throw new NeutronError(400, 'SecurityGroupInvalidPortValue', `Invalid value for port ${p}`);
  } else if (proto !== null && ICMP.has(proto)) {
    if (min !== null && (min < 0 || min > 255)) throw new NeutronError(400, 'SecurityGroupInvalidIcmpValue', `Invalid value for ICMP type: ${min}`);
    if (max !== null && (max < 0 || max > 255)) throw new NeutronError(400, 'SecurityGroupInvalidIcmpValue', `Invalid value for ICMP code: ${max}`);
    if (min === null && max !== null)
      throw new NeutronError(400, 'SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`);
  }
  if (typeof v.remote_ip_prefix === 'string') {
    const c = parseCidr(v.remote_ip_prefix);
    const eth = c?.version === 4 ? 'IPv4' : 'IPv6';
    if (c && eth !== v.ethertype) throw badRequest(`Conflicting value ethertype ${String(v.ethertype)} for CIDR ${v.remote_ip_prefix}`);
  }
}

/** The fields two rules must share to be the same rule. */
const SAME = ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'normalized_cidr', 'remote_group_id'] as const;

export const securityGroupRuleOps: ResourceOps = {
  def: SECURITY_GROUP_RULE,
  table: 'security_group_rules',
  path: '/v2.0/security-group-rules',
  quota: 'security_group_rule',
  notFound: ruleNotFound,
  async create(deps: NetworkDeps, req, p) {
    const v = p.values;
    const group = await deps.store.get('security_groups', String(v.security_group_id));
    if (!group || !owns(req.ctx, group)) throw notFound('SecurityGroupNotFound', `Security group ${String(v.security_group_id)} does not exist`);
    checkRule(v);
    if (typeof v.remote_group_id === 'string') {
      const remote = await deps.store.get('security_groups', v.remote_group_id);
      if (!remote || !owns(req.ctx, remote)) throw notFound('SecurityGroupNotFound', `Security group ${v.remote_group_id} does not exist`);
    }
    const rule = newRule({ ...group, project_id: group.project_id }, v);
    for (const other of await deps.store.list('security_group_rules', { parent_id: group.id }))
      if (SAME.every((k) => (other[k] ?? null) === (rule[k] ?? null))) throw conflict('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${other.id}.`);
    return deps.store.insert('security_group_rules', rule, { parent_id: group.id, ref_id: typeof rule.remote_group_id === 'string' ? rule.remote_group_id : null });
  },
  async update(deps, _req, doc, p) {
    const updated = await deps.store.update('security_group_rules', { ...doc, ...p.values });
    if (!updated) throw ruleNotFound(doc.id);
    return updated;
  },
  async remove(deps, _req, doc) {
    await deps.store.delete('security_group_rules', doc.id);
  },
};
