/**
 * /v2.0/security-groups: a project's groups, with their rules read from the
 * rules table. Every project gets a `default` group on first use (listing
 * its groups, creating a network, a port or a group), with Neutron's
 * default rules; the networks table's uniqueness on (parent_id, unique_key)
 * = (project, 'default') makes it one per project even under concurrency.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { toBoolean } from './attributes.ts';
import type { ResourceOps } from './crud.ts';
import { type Doc, isDuplicate } from './db/store.ts';
import { conflict, notFound } from './errors.ts';
import type { NetworkDeps } from './http.ts';
import { type ResourceDef, standardAttrs } from './resource.ts';
import { newRule } from './security-group-rules.ts';

export const SECURITY_GROUP: ResourceDef = {
  resource: 'security_group',
  collection: 'security_groups',
  attrs: {
    ...standardAttrs(),
    security_group_rules: {},
    stateful: { post: true, put: true, default: true, convert: toBoolean },
    shared: {},
  },
};

/** 404 SecurityGroupNotFound. */
export const groupNotFound = (id: string) => notFound('SecurityGroupNotFound', `Security group ${id} does not exist`);

/** Neutron's rules of a new group: egress anywhere over IPv4 and IPv6; a default group also lets its own members in. */
function defaultRules(group: Doc, isDefault: boolean): Doc[] {
  const rules: Doc[] = [];
  for (const ethertype of ['IPv4', 'IPv6']) {
    rules.push(newRule(group, { direction: 'egress', ethertype }));
    if (isDefault) rules.push(newRule(group, { direction: 'ingress', ethertype, remote_group_id: group.id }));
  }
  return rules;
}

/** Store a group and its default rules in one transaction; a duplicate key when the project's default group exists already. */
async function insertGroup(deps: NetworkDeps, doc: Doc, isDefault: boolean): Promise<Doc> {
  return deps.store.transaction(async (s) => {
    const group = await s.insert('security_groups', doc, isDefault ? { parent_id: doc.project_id, unique_key: 'default' } : {});
    for (const r of defaultRules(group, isDefault))
      await s.insert('security_group_rules', r, { parent_id: group.id, ref_id: typeof r.remote_group_id === 'string' ? r.remote_group_id : null });
    return group;
  });
}

/** The project's default group, created (with its rules) when it has none yet. */
export async function ensureDefaultGroup(deps: NetworkDeps, projectId: string): Promise<Doc | null> {
  if (!projectId) return null;
  const find = async () => (await deps.store.list('security_groups', { project_id: projectId })).find((g) => g._default === true) ?? null;
  const existing = await find();
  if (existing) return existing;
  const doc: Doc = {
    id: randomUUID(),
    project_id: projectId,
    tenant_id: projectId,
    name: 'default',
    description: 'Default security group',
    stateful: true,
    shared: false,
    tags: [],
    _default: true,
  };
  try {
    return await insertGroup(deps, doc, true);
  } catch (e) {
    if (!isDuplicate(e)) throw e;
    return find();
  }
}

export const securityGroupOps: ResourceOps = {
  def: SECURITY_GROUP,
  table: 'security_groups',
  path: '/v2.0/security-groups',
  quota: 'security_group',
  notFound: groupNotFound,
  async beforeList(deps, ctx: RequestContext) {
    if (ctx.project_id) await ensureDefaultGroup(deps, ctx.project_id);
  },
  async decorate(deps, docs) {
    if (!docs.length) return docs;
    const rules = await deps.store.list('security_group_rules', { parent_id: docs.map((d) => d.id) });
    return docs.map((d) => ({ ...d, security_group_rules: rules.filter((r) => r.security_group_id === d.id) }));
  },
  async create(deps, _req, p) {
    const v = p.values;
    const project = String(v.project_id);
    await ensureDefaultGroup(deps, project);
    if (v.name === 'default') throw conflict('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
    const doc: Doc = { id: randomUUID(), project_id: project, tenant_id: project, name: v.name, description: v.description, stateful: v.stateful, shared: false, tags: [] };
    return insertGroup(deps, doc, false);
  },
  async update(deps, _req, doc, p) {
    if (doc._default === true && p.values.name !== undefined && p.values.name !== 'default')
      throw conflict('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
    if (p.values.stateful !== undefined && p.values.stateful !== doc.stateful) {
      const ports = await deps.store.list('ports');
      if (ports.some((x) => Array.isArray(x.security_groups) && x.security_groups.includes(doc.id))) throw conflict('SecurityGroupInUse', `Security Group ${doc.id} in use.`);
    }
    const updated = await deps.store.update('security_groups', { ...doc, ...p.values, security_group_rules: [] });
    if (!updated) throw groupNotFound(doc.id);
    return updated;
  },
  async remove(deps, req, doc) {
    if (doc._default === true && !req.ctx.is_admin) throw conflict('SecurityGroupCannotRemoveDefault', 'Removing default security group not allowed.');
    const ports = await deps.store.list('ports');
    if (ports.some((x) => Array.isArray(x.security_groups) && x.security_groups.includes(doc.id))) throw conflict('SecurityGroupInUse', `Security Group ${doc.id} in use.`);
    const remote = await deps.store.list('security_group_rules', { ref_id: doc.id });
    await deps.store.transaction(async (s) => {
      for (const r of [...(await s.list('security_group_rules', { parent_id: doc.id })), ...remote]) await s.delete('security_group_rules', r.id);
      await s.delete('security_groups', doc.id);
    });
  },
};
