/**
 * /v2.0/agents (Neutron's agent extension): the dataplane agents that
 * reported in over the bus (plugin.ts), `alive` while their last report is
 * younger than `[neutron_server] agent_down_time`. Admins list, show,
 * update (admin_state_up, description) and delete them; agents are created
 * only by reporting, so POST is refused. Others see none (get_agent is
 * admin only).
 */
import type { RequestContext } from '../context.ts';
import { toBoolean } from './attributes.ts';
import { AGENTS_TABLE } from './db/schema.ts';
import type { Doc } from './db/store.ts';
import { badRequest, NeutronError, notFound } from './errors.ts';
import { json, type NetworkDeps, type NetworkRoute, noContent, route } from './http.ts';
import { agentAlive } from './plugin.ts';
import { listArgs, listBody } from './query.ts';
import { denied, prepare, type ResourceDef, resourceBody, view } from './resource.ts';

export const AGENT: ResourceDef = {
  resource: 'agent',
  collection: 'agents',
  attrs: {
    id: { sort: true },
    agent_type: { sort: true },
    binary: { sort: true },
    topic: { sort: true },
    host: { sort: true },
    admin_state_up: { put: true, convert: toBoolean, sort: true },
    created_at: {},
    started_at: {},
    heartbeat_timestamp: {},
    alive: {},
    description: { put: true },
    configurations: {},
    availability_zone: { sort: true },
    resources_synced: {},
  },
};

const agentNotFound = (id: string) => notFound('AgentNotFound', `Agent ${id} could not be found.`);

/** Agents as the API shows them (alive computed now). */
function shown(deps: NetworkDeps, docs: readonly Doc[]): Doc[] {
  return docs.map((d) => ({ ...d, alive: agentAlive(d, deps.conf.agent_down_time) }));
}

async function find(deps: NetworkDeps, ctx: RequestContext, id: string): Promise<Doc> {
  const doc = ctx.is_admin ? await deps.store.get(AGENTS_TABLE, id) : null;
  if (!doc) throw agentNotFound(id);
  return doc;
}

export function agentRoutes(deps: NetworkDeps): NetworkRoute[] {
  return [
    route({
      method: 'GET',
      path: '/v2.0/agents',
      handler: async (req) => json(listBody(AGENT, req, req.ctx, req.ctx.is_admin ? shown(deps, await deps.store.list(AGENTS_TABLE)) : [], '/v2.0/agents')),
    }),
    route({
      method: 'GET',
      path: '/v2.0/agents/:id',
      handler: async (req) => json({ agent: view(AGENT, shown(deps, [await find(deps, req.ctx, req.params.id)])[0] ?? {}, req.ctx, listArgs(req.search, 'fields')) }),
    }),
    route({
      method: 'POST',
      path: '/v2.0/agents',
      policy: 'create_agent',
      handler: async () => {
        throw new NeutronError(400, 'HTTPBadRequest', 'Agents are created by their reports only.');
      },
    }),
    route({
      method: 'PUT',
      path: '/v2.0/agents/:id',
      policy: 'update_agent',
      handler: async (req) => {
        const p = prepare(AGENT, resourceBody(AGENT, req.body), req.ctx, false);
        const doc = await find(deps, req.ctx, req.params.id);
        const updated = await deps.store.update(AGENTS_TABLE, { ...doc, ...p.values });
        if (!updated) throw agentNotFound(doc.id);
        return json({ agent: view(AGENT, shown(deps, [updated])[0] ?? {}, req.ctx) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v2.0/agents/:id',
      policy: 'delete_agent',
      handler: async (req) => {
        if (req.body !== undefined) throw badRequest('Request body is not supported in DELETE.');
        const doc = await find(deps, req.ctx, req.params.id);
        if (!req.ctx.is_admin) throw denied('delete_agent');
        await deps.store.delete(AGENTS_TABLE, doc.id);
        return noContent();
      },
    }),
  ];
}
