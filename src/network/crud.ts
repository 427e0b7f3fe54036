/**
 * The five routes every Neutron collection has (index, show, create,
 * update, delete), as neutron.api.v2.base.Controller runs them: body
 * preparation from the attribute map, policy (a resource the caller may not
 * see is a 404, one it may see but not change a 403), quota, bulk create,
 * and views cut to what the caller may see and asked for.
 */
import type { RequestContext } from '../context.ts';
import type { ResourceTable } from './db/schema.ts';
import type { Doc } from './db/store.ts';
import { badRequest, type NeutronError } from './errors.ts';
import { json, type NetworkDeps, type NetworkRequest, type NetworkRoute, noContent, route } from './http.ts';
import { assertWriter, owns } from './policy.ts';
import { listArgs, listBody } from './query.ts';
import { checkQuota, type QuotaResource } from './quota-usage.ts';
import { bulkBodies, denied, type Prepared, prepare, type ResourceDef, resourceBody, view } from './resource.ts';

/** How one collection behaves beyond what every collection does. */
export interface ResourceOps {
  readonly def: ResourceDef;
  readonly table: ResourceTable;
  /** The collection's path, e.g. '/v2.0/networks'. */
  readonly path: string;
  /** The quota this resource counts against. */
  readonly quota?: QuotaResource;
  /** The 404 for an id that does not exist (or that the caller may not see). */
  notFound(id: string): NeutronError;
  /** May the caller see it (default: its project's, or admin)? */
  visible?(ctx: RequestContext, doc: Doc): boolean;
  /** May the caller change or delete it (default: its project's, or admin)? */
  mutable?(ctx: RequestContext, doc: Doc): boolean;
  /** Fill in computed attributes (a network's subnets, a group's rules) before views and filters. */
  decorate?(deps: NetworkDeps, docs: Doc[]): Promise<Doc[]>;
  /** Work to do before a list is read for the caller (e.g. create its default security group). */
  beforeList?(deps: NetworkDeps, ctx: RequestContext): Promise<void>;
  create(deps: NetworkDeps, req: NetworkRequest, p: Prepared): Promise<Doc>;
  update(deps: NetworkDeps, req: NetworkRequest, doc: Doc, p: Prepared): Promise<Doc>;
  remove(deps: NetworkDeps, req: NetworkRequest, doc: Doc): Promise<void>;
}

const seen = (ops: ResourceOps, ctx: RequestContext, doc: Doc): boolean => (ops.visible ? ops.visible(ctx, doc) : owns(ctx, doc));

/** The resource if the caller may see it (decorated), else the resource's 404. */
export async function findVisible(ops: ResourceOps, deps: NetworkDeps, ctx: RequestContext, id: string): Promise<Doc> {
  const doc = await deps.store.get(ops.table, id);
  if (!doc || !seen(ops, ctx, doc)) throw ops.notFound(id);
  return ops.decorate ? ((await ops.decorate(deps, [doc]))[0] ?? doc) : doc;
}

/** 403 (policy) for a resource the caller sees but may not change. */
function assertMutable(ops: ResourceOps, ctx: RequestContext, doc: Doc, action: string): void {
  if (!(ops.mutable ? ops.mutable(ctx, doc) : owns(ctx, doc))) throw denied(action);
}

/** The visible, decorated resources of a collection for the caller. */
export async function visibleItems(ops: ResourceOps, deps: NetworkDeps, ctx: RequestContext): Promise<Doc[]> {
  await ops.beforeList?.(deps, ctx);
  const rows = ops.visible || ctx.is_admin || ctx.project_id === null ? await deps.store.list(ops.table) : await deps.store.list(ops.table, { project_id: ctx.project_id });
  const mine = rows.filter((d) => seen(ops, ctx, d));
  return ops.decorate ? ops.decorate(deps, mine) : mine;
}

/** The nova notifier's look at a change (never failing the request that made it). */
async function tellNova(deps: NetworkDeps, ops: ResourceOps, original: Doc | null, returned: Doc | null): Promise<void> {
  await deps.nova
    ?.changed(ops.table, original, returned)
    .catch((e: unknown) => deps.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not queue an event for nova'));
}

/** The rows of the route table for one collection. */
export function crudRoutes(ops: ResourceOps, deps: NetworkDeps): NetworkRoute[] {
  const { def } = ops;
  const r = def.resource;
  return [
    route({
      method: 'GET',
      path: ops.path,
      handler: async (req) => json(listBody(def, req, req.ctx, await visibleItems(ops, deps, req.ctx), ops.path)),
    }),
    route({
      method: 'GET',
      path: `${ops.path}/:id`,
      handler: async (req) => json({ [r]: view(def, await findVisible(ops, deps, req.ctx, req.params.id), req.ctx, listArgs(req.search, 'fields')) }),
    }),
    route({
      method: 'POST',
      path: ops.path,
      policy: `create_${r}`,
      handler: async (req) => {
        assertWriter(req.ctx, `create_${r}`);
        const bulk = bulkBodies(def, req.body);
        const bodies = bulk ?? [resourceBody(def, req.body)];
        const prepared = bodies.map((b) => prepare(def, b, req.ctx, true));
        if (ops.quota) {
          const byProject = new Map<string, number>();
          for (const p of prepared) byProject.set(String(p.values.project_id), (byProject.get(String(p.values.project_id)) ?? 0) + 1);
          for (const [project, n] of byProject) await checkQuota(deps, project, ops.quota, n);
        }
        const created: Doc[] = [];
        try {
          for (const p of prepared) created.push(await ops.create(deps, req, p));
        } catch (e) {
          // Bulk creation is all or nothing (Neutron's emulated bulk undoes what it made).
          for (const d of created) await ops.remove(deps, req, d).catch(() => {});
          throw e;
        }
        for (const d of created) await tellNova(deps, ops, null, d);
        const shown = ops.decorate ? await ops.decorate(deps, created) : created;
        const views = shown.map((d) => view(def, d, req.ctx));
        return json(bulk ? { [def.collection]: views } : { [r]: views[0] }, 201);
      },
    }),
    route({
      method: 'PUT',
      path: `${ops.path}/:id`,
      policy: `update_${r}`,
      handler: async (req) => {
        const p = prepare(def, resourceBody(def, req.body), req.ctx, false);
        const doc = await findVisible(ops, deps, req.ctx, req.params.id);
        assertWriter(req.ctx, `update_${r}`);
        assertMutable(ops, req.ctx, doc, `update_${r}`);
        const updated = await ops.update(deps, req, doc, p);
        await tellNova(deps, ops, doc, updated);
        const shown = ops.decorate ? ((await ops.decorate(deps, [updated]))[0] ?? updated) : updated;
        return json({ [r]: view(def, shown, req.ctx) });
      },
    }),
    route({
      method: 'DELETE',
      path: `${ops.path}/:id`,
      policy: `delete_${r}`,
      handler: async (req) => {
        if (req.body !== undefined) throw badRequest('Request body is not supported in DELETE.');
        const doc = await findVisible(ops, deps, req.ctx, req.params.id);
        assertWriter(req.ctx, `delete_${r}`);
        assertMutable(ops, req.ctx, doc, `delete_${r}`);
        await ops.remove(deps, req, doc);
        await tellNova(deps, ops, doc, null);
        return noContent();
      },
    }),
  ];
}
