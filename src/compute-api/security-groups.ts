/**
 * nova.network.security_group_api, as nova-api uses it for the deprecated
 * os-security-groups and os-security-group-rules proxies, the server's
 * security groups and the addSecurityGroup/removeSecurityGroup actions,
 * with the network service as the caller: groups and their ingress rules in
 * Nova's format (protocol, from_port/to_port with Nova's defaults, cidr
 * 0.0.0.0/0 when none), rules built and checked as _new_ingress_rule does,
 * a group found by id or name as neutronclient's
 * find_resourceid_by_name_or_id, and a group added to (or removed from)
 * every port of an instance. The network service's refusals keep its own
 * words (Nova passes str(e) on).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { NeutronClient, NeutronPort, NeutronSecurityGroup, NeutronSecurityGroupRule } from '../clients/neutron.ts';
import { ABSENT_NETWORK_SERVICE } from '../clients/neutron-absent.ts';
import type { RequestContext } from '../context.ts';
import { Conflict, Forbidden, Invalid, NovaError } from '../exception/base.ts';
import { NeutronConnectionFailed, SecurityGroupNotFound } from '../exception/network.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { normalizeIpv6 } from '../util/ipv6.ts';

/** A rule as Nova's security group API hands it to the API. */
export interface NovaSecurityGroupRule {
  id: string;
  parent_group_id: string;
  protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  group_id: string | null;
  cidr: string;
}

/** A group as Nova's security group API hands it to the API (only its ingress rules). */
export interface NovaSecurityGroup {
  id: string;
  name: string;
  description: string;
  project_id: string;
  rules: NovaSecurityGroupRule[];
}

/** The values of a new rule (_new_ingress_rule). */
export interface NewRule {
  group_id?: string;
  cidr?: string;
  protocol?: string;
  from_port?: number;
  to_port?: number;
  parent_group_id?: string;
}

/** Nova's SecurityGroupLimitExceeded (an OverQuota: 403). */
export class SecurityGroupLimitExceeded extends Forbidden {}
/** Nova's NoUniqueMatch (409). */
export class NoUniqueMatch extends Conflict {}
/** Nova's SecurityGroupCannotBeApplied (400). */
export class SecurityGroupCannotBeApplied extends Invalid {
  constructor(message = 'Network requires port_security_enabled and subnet associated in order to apply security groups.') {
    super(message);
  }
}
/** Nova's SecurityGroupConnectionStateConflict (409). */
export class SecurityGroupConnectionStateConflict extends Conflict {}

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** neutronclient's UUID_PATTERN (find_resource_by_id searches by id only for these). */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const statusOf = (e: unknown): number | undefined => {
  if (!(e instanceof NovaError)) return undefined;
  const s = e.kwargs.status_code;
  return typeof s === 'number' ? s : e.status;
};
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** validate_id. */
export function validateId(id: string): string {
  if (!UUID_LIKE.test(id)) throw new Invalid('Security group id should be uuid');
  return id;
}

/** oslo netutils.is_valid_cidr: an address, '/', a prefix length in range. */
function validCidr(cidr: string): boolean {
  const [ip = '', prefix, ...rest] = cidr.split('/');
  if (prefix === undefined || rest.length || !/^\d+$/.test(prefix)) return false;
  const len = Number(prefix);
  if (isIPv4(ip)) return len <= 32;
  return isIPv6(ip) && len <= 128;
}

/** parse_cidr: 0.0.0.0/0 when none; InvalidCidr otherwise when not a network. */
export function parseCidr(cidr: unknown): string {
  if (cidr === null || cidr === undefined || cidr === '' || cidr === false || cidr === 0) return '0.0.0.0/0';
  let text: string;
  try {
    text = decodeURIComponent(String(cidr));
  } catch {
    text = String(cidr);
  }
  if (!validCidr(text)) throw new Invalid(`${text} is not a valid IP network.`);
  return text;
}

/** netutils.get_net_and_prefixlen: the address as netaddr prints it and the prefix length. */
export function netAndPrefixlen(cidr: string): [string, string] {
  const [ip = '', prefix = ''] = cidr.split('/');
  return [isIPv6(ip) ? normalizeIpv6(ip) : ip, String(Number(prefix))];
}

/** Python's int() of a JSON value (ValueError: null). */
function pyInt(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(v)) return Number(v.replace(/_/g, ''));
  return null;
}

const pyStr = (v: unknown): string => (v === true ? 'True' : v === false ? 'False' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * _new_ingress_rule: a rule from another group (`groupId`; all ports of
 * tcp/udp, every ICMP type when none) or from a CIDR; null when a CIDR
 * rule lacks its protocol or ports. Nova's InvalidInput, InvalidIpProtocol
 * and InvalidPortRange otherwise.
 */
export function newIngressRule(protocolIn: unknown, fromIn: unknown, toIn: unknown, groupId: string | null, cidr: string | null): NewRule | null {
  const values: NewRule = {};
  let from = fromIn ?? null;
  let to = toIn ?? null;
  const given = protocolIn !== null && protocolIn !== undefined && protocolIn !== '' && protocolIn !== false && protocolIn !== 0;
  const upper = given ? pyStr(protocolIn).toUpperCase() : '';
  if (groupId) {
    values.group_id = groupId;
    if (upper === 'ICMP' && from === null && to === null) [from, to] = [-1, -1];
    else if ((upper === 'TCP' || upper === 'UDP') && from === null && to === null) [from, to] = [1, 65535];
  } else if (cidr) values.cidr = cidr;
  if (given && from !== null && to !== null) {
    const protocol = pyStr(protocolIn);
    const f = pyInt(from);
    const t = pyInt(to);
    if (f === null || t === null) {
      throw new Invalid(`Invalid input received: ${upper === 'ICMP' ? 'Type and Code must be integers for ICMP protocol type' : 'To and From ports must be integers'}`);
    }
    if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw new Invalid(`Invalid IP protocol ${protocol}.`);
    const range = (msg: string) => new Invalid(`Invalid port range ${f}:${t}. ${msg}`);
    if ((upper === 'TCP' || upper === 'UDP') && f > t) throw range('Former value cannot be greater than the later');
    if ((upper === 'TCP' || upper === 'UDP') && (f < 1 || t > 65535)) throw range(`Valid ${upper} ports should be between 1-65535`);
    if (upper === 'ICMP' && (f < -1 || f > 255 || t < -1 || t > 255)) throw range('For ICMP, the type:code must be valid');
    values.protocol = protocol;
    values.from_port = f;
    values.to_port = t;
  } else if (cidr) return null;
  return values;
}

/** _convert_to_nova_security_group_rule_format. */
export function novaRule(rule: NeutronSecurityGroupRule): NovaSecurityGroupRule {
  const protocol = rule.protocol ?? null;
  let from = rule.port_range_min ?? null;
  let to = rule.port_range_max ?? null;
  if (protocol && from === null && to === null) {
    const tcpUdp = ['TCP', 'UDP'].includes(protocol.toUpperCase());
    [from, to] = tcpUdp ? [1, 65535] : [-1, -1];
  }
  return {
    id: rule.id,
    parent_group_id: rule.security_group_id,
    protocol,
    from_port: from,
    to_port: to,
    group_id: rule.remote_group_id ?? null,
    cidr: parseCidr(rule.remote_ip_prefix),
  };
}

/** _convert_to_nova_security_group_format: the ingress rules only. */
export function novaGroup(g: NeutronSecurityGroup): NovaSecurityGroup {
  return {
    id: g.id,
    description: g.description,
    name: g.name,
    project_id: g.tenant_id,
    rules: (g.security_group_rules ?? []).filter((r) => r.direction === 'ingress').map(novaRule),
  };
}

/** _has_security_group_requirements. */
function meetsRequirements(port: NeutronPort): boolean {
  const hasIp = Array.isArray(port.fixed_ips) && port.fixed_ips.length > 0;
  if (hasIp || port.ip_allocation === 'deferred') return port.port_security_enabled !== false;
  return false;
}

export class ServerSecurityGroups {
  constructor(private readonly d: { readonly network?: NeutronClient | undefined }) {}

  /** The network service as the caller; without one, a service where nothing exists. */
  get network(): NeutronClient {
    return this.d.network ?? ABSENT_NETWORK_SERVICE;
  }

  /** list: the project's groups (every project's for an admin asking all_tenants). */
  async list(ctx: RequestContext, allTenants: boolean): Promise<NovaSecurityGroup[]> {
    const query = ctx.is_admin && allTenants ? {} : { tenant_id: ctx.project_id ?? '' };
    return (await this.network.list(ctx, 'security_groups', query)).map(novaGroup);
  }

  /** get: SecurityGroupNotFound with the network service's words on a 404. */
  async get(ctx: RequestContext, id: string): Promise<NovaSecurityGroup> {
    try {
      return novaGroup(await this.network.showAsIs(ctx, 'security_groups', id));
    } catch (e) {
      if (statusOf(e) === 404) throw new SecurityGroupNotFound(messageOf(e), { security_group_id: id });
      throw e;
    }
  }

  /** create_security_group: a 400 is Invalid, a 409 (quota, 'default') SecurityGroupLimitExceeded. */
  async create(ctx: RequestContext, name: string, description: string): Promise<NovaSecurityGroup> {
    try {
      return novaGroup(await this.network.create(ctx, 'security_groups', { name, description }));
    } catch (e) {
      const s = statusOf(e);
      if (s === 400) throw new Invalid(messageOf(e));
      if (s === 401) throw new Invalid('The server could not comply with the request since it is either malformed or otherwise incorrect.');
      if (s === 409) throw new SecurityGroupLimitExceeded(messageOf(e));
      throw e;
    }
  }

  /** update_security_group (the service's 4xx refusals as Invalid: Nova lets them through as a 500). */
  async update(ctx: RequestContext, group: NovaSecurityGroup, name: string, description: string): Promise<NovaSecurityGroup> {
    try {
      return novaGroup(await this.network.update(ctx, 'security_groups', group.id, { name, description }));
    } catch (e) {
      const s = statusOf(e);
      if (s === 404) throw new SecurityGroupNotFound(messageOf(e), { security_group_id: group.id });
      if (s !== undefined && s >= 400 && s < 500) throw new Invalid(messageOf(e));
      throw e;
    }
  }

  /** destroy: a 409 (in use, the default group) is Invalid. */
  async destroy(ctx: RequestContext, group: NovaSecurityGroup): Promise<void> {
    try {
      await this.network.delete(ctx, 'security_groups', group.id);
    } catch (e) {
      const s = statusOf(e);
      if (s === 404) throw new SecurityGroupNotFound(messageOf(e), { security_group_id: group.id });
      if (s === 409) throw new Invalid(messageOf(e));
      throw e;
    }
  }

  /** get_rule. */
  async getRule(ctx: RequestContext, id: string): Promise<NovaSecurityGroupRule> {
    try {
      return novaRule(await this.network.showAsIs(ctx, 'security_group_rules', id));
    } catch (e) {
      if (statusOf(e) === 404) throw new SecurityGroupNotFound(messageOf(e), { security_group_id: id });
      throw e;
    }
  }

  /** create_security_group_rule: Nova's own duplicate check, then add_rules (ingress; ethertype from the CIDR). */
  async createRule(ctx: RequestContext, group: NovaSecurityGroup, rule: NewRule): Promise<NovaSecurityGroupRule> {
    const keys = ['group_id', 'cidr', 'from_port', 'to_port', 'protocol'] as const;
    if (group.rules.some((r) => keys.every((k) => (r[k] ?? null) === (rule[k] ?? null)))) throw new Invalid(`This rule already exists in group ${rule.parent_group_id}`);
    const fields: Record<string, unknown> = {
      direction: 'ingress',
      protocol: rule.protocol ?? null,
      ethertype: rule.cidr && isIPv6(rule.cidr.split('/')[0] ?? '') ? 'IPv6' : 'IPv4',
      remote_ip_prefix: rule.cidr ?? null,
      security_group_id: rule.parent_group_id,
      remote_group_id: rule.group_id ?? null,
    };
    if (rule.from_port !== undefined && rule.from_port !== -1) fields.port_range_min = rule.from_port;
    if (rule.to_port !== undefined && rule.to_port !== -1) fields.port_range_max = rule.to_port;
    try {
      return novaRule(await this.network.create(ctx, 'security_group_rules', fields));
    } catch (e) {
      const s = statusOf(e);
      if (s === 404) throw new SecurityGroupNotFound(messageOf(e), { security_group_id: group.id });
      if (s === 409) throw new SecurityGroupLimitExceeded(messageOf(e));
      if (s === 400) throw new Invalid(messageOf(e));
      throw e;
    }
  }

  /** remove_rules. */
  async removeRule(ctx: RequestContext, ruleId: string): Promise<void> {
    await this.network.delete(ctx, 'security_group_rules', ruleId);
  }

  /** get_instance_security_groups (detailed): the groups of the instance's ports the caller can see. */
  async instanceGroups(ctx: RequestContext, instanceUuid: string): Promise<NovaSecurityGroup[]> {
    const ports = await this.network.list(ctx, 'ports', { device_id: instanceUuid });
    const ids = [...new Set(ports.flatMap((p) => p.security_groups ?? []))];
    if (ids.length === 0) return [];
    const groups = new Map((await this.network.list(ctx, 'security_groups', { id: ids })).map((g) => [g.id, g]));
    return ports.flatMap((p) =>
      (p.security_groups ?? []).flatMap((id) => {
        const g = groups.get(id);
        return g ? [novaGroup(g)] : [];
      }),
    );
  }

  /**
   * get_instances_security_groups_bindings (not detailed): instance uuid →
   * a { name } (the id when unnamed) per group of each of its ports, 150
   * devices or groups a query as Nova. Without a reachable network service:
   * none (Nova fails the server view).
   */
  async bindings(ctx: RequestContext, uuids: readonly string[]): Promise<Map<string, { name: string }[]>> {
    const out = new Map<string, { name: string }[]>();
    const chunks = <T>(xs: readonly T[]) => Array.from({ length: Math.ceil(xs.length / 150) }, (_, i) => xs.slice(i * 150, i * 150 + 150));
    try {
      const ports: NeutronPort[] = [];
      for (const ids of chunks(uuids)) ports.push(...(await this.network.list(ctx, 'ports', { device_id: ids, fields: ['security_groups', 'device_id'] })));
      const groups = new Map<string, NeutronSecurityGroup>();
      for (const ids of chunks([...new Set(ports.flatMap((p) => p.security_groups ?? []))]))
        for (const g of await this.network.list(ctx, 'security_groups', { id: ids, fields: ['id', 'name'] })) groups.set(g.id, g);
      for (const p of ports)
        for (const id of p.security_groups ?? []) {
          const g = groups.get(id);
          if (g) out.set(p.device_id, [...(out.get(p.device_id) ?? []), { name: g.name || g.id }]);
        }
    } catch (e) {
      if (!(e instanceof NeutronConnectionFailed)) throw e;
    }
    return out;
  }

  /** neutronclient's find_resourceid_by_name_or_id for a security group (by id when uuid-like, else by name in the caller's project); null: none. */
  async findId(ctx: RequestContext, nameOrId: string): Promise<string | null> {
    if (UUID_PATTERN.test(nameOrId)) {
      const [byId] = await this.network.list(ctx, 'security_groups', { id: nameOrId });
      if (byId) return byId.id;
    }
    const found = await this.network.list(ctx, 'security_groups', { name: nameOrId, ...(ctx.project_id ? { tenant_id: ctx.project_id } : {}) });
    if (found.length > 1) throw new NoUniqueMatch(`Multiple security_group matches found for name '${nameOrId}', use an ID to be more specific.`);
    return found[0]?.id ?? null;
  }

  /** The group's id and the instance's ports, or Nova's SecurityGroupNotFound. */
  private async groupAndPorts(ctx: RequestContext, instance: InstanceDTO, name: string): Promise<{ id: string; ports: NeutronPort[] }> {
    const id = await this.findId(ctx, name);
    if (id === null) throw new SecurityGroupNotFound(`Security group ${name} is not found for project ${ctx.project_id ?? ''}`, { security_group_id: name });
    const ports = await this.network.list(ctx, 'ports', { device_id: instance.uuid });
    if (ports.length === 0) throw new SecurityGroupNotFound(`instance_id ${instance.uuid} could not be found as device id on any ports`, { security_group_id: name });
    return { id, ports };
  }

  /** add_to_instance: the group appended to every port of the instance. */
  async addToInstance(ctx: RequestContext, instance: InstanceDTO, name: string): Promise<void> {
    const { id, ports } = await this.groupAndPorts(ctx, instance, name);
    for (const port of ports) {
      if (!meetsRequirements(port)) throw new SecurityGroupCannotBeApplied();
      try {
        await this.network.update(ctx, 'ports', port.id, { security_groups: [...(port.security_groups ?? []), id] });
      } catch (e) {
        const s = statusOf(e);
        if (s === 400) throw new SecurityGroupCannotBeApplied(messageOf(e));
        if (s === 409) throw new SecurityGroupConnectionStateConflict(messageOf(e));
        throw e;
      }
    }
  }

  /** remove_from_instance: the group taken off each port that has it; SecurityGroupNotFound when none had it. */
  async removeFromInstance(ctx: RequestContext, instance: InstanceDTO, name: string): Promise<void> {
    const { id, ports } = await this.groupAndPorts(ctx, instance, name);
    let found = false;
    for (const port of ports) {
      const groups = [...(port.security_groups ?? [])];
      const at = groups.indexOf(id);
      if (at < 0) continue;
      groups.splice(at, 1);
      await this.network.update(ctx, 'ports', port.id, { security_groups: groups });
      found = true;
    }
    if (!found) throw new SecurityGroupNotFound(`Security group ${name} not associated with the instance ${instance.uuid}`, { security_group_id: name });
  }
}
