/**
 * /servers/{id}/migrations: a server's live migrations in progress (2.23),
 * forcing one to complete (2.22) and aborting one (2.24; queued or
 * preparing ones too from 2.65), as Nova's server_migrations.py.
 */

import { InvalidMigrationState, LIVE_IN_PROGRESS, MigrationNotFoundForInstance } from '../../compute-api/moves.ts';
import { MigrationNotFound } from '../../exception/migration.ts';
import { badRequest, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { actionHandler, actionName, validate } from '../validation.ts';
import * as schema from './schemas/server-moves.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';
import { serverMigrationView } from './views/migrations.ts';

const POLICY = 'os_compute_api:servers:migrations';

async function index(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  authorize(req.ctx, `${POLICY}:index`, { project_id: inst.project_id });
  const migrations = await d.compute.moves.inProgress(inst);
  return ok({ migrations: migrations.map((m) => serverMigrationView(m, req.version)) });
}

async function show(d: ServerApiDeps, req: ApiRequestOf<'id' | 'mid'>): Promise<ApiResponse> {
  const { id, mid } = req.params;
  const inst = await d.compute.get(req.ctx, id);
  authorize(req.ctx, `${POLICY}:show`, { project_id: inst.project_id });
  const m = await d.compute.moves.liveMigrationOf(inst, mid).catch((e: unknown) => {
    if (e instanceof MigrationNotFoundForInstance) throw notFound(`In-progress live migration ${mid} is not found for server ${id}.`);
    throw e;
  });
  if (m.migration_type !== 'live-migration') throw notFound(`Migration ${mid} for server ${id} is not live-migration.`);
  if (!LIVE_IN_PROGRESS.includes(m.status)) throw notFound(`Live migration ${mid} for server ${id} is not in progress.`);
  return ok({ migration: serverMigrationView(m, req.version) });
}

async function forceComplete(d: ServerApiDeps, req: ApiRequestOf<'id' | 'mid'>): Promise<ApiResponse> {
  const { id, mid } = req.params;
  actionHandler({ force_complete: true }, actionName(req.body));
  const inst = await d.compute.get(req.ctx, id);
  validate(schema.forceComplete, req.body);
  authorize(req.ctx, `${POLICY}:force_complete`, { project_id: inst.project_id });
  try {
    await stateConflicts('force_complete', inst.uuid, () => d.compute.moves.forceComplete(req.ctx, inst, mid));
  } catch (e) {
    if (e instanceof MigrationNotFound || e instanceof MigrationNotFoundForInstance || e instanceof InvalidMigrationState) throw badRequest(e.message);
    throw e;
  }
  return { status: 202 };
}

async function abort(d: ServerApiDeps, req: ApiRequestOf<'id' | 'mid'>): Promise<ApiResponse> {
  const { id, mid } = req.params;
  const inst = await d.compute.get(req.ctx, id);
  authorize(req.ctx, `${POLICY}:delete`, { project_id: inst.project_id });
  await stateConflicts('abort live migration', inst.uuid, () => d.compute.moves.abortLiveMigration(req.ctx, inst, mid, atLeast(req.version, '2.65')));
  return { status: 202 };
}

export function serverMigrationsRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers/:id/migrations', minVersion: '2.23', handler: (r) => index(d, r) }),
    route({ method: 'GET', path: '/servers/:id/migrations/:mid', minVersion: '2.23', handler: (r) => show(d, r) }),
    route({ method: 'POST', path: '/servers/:id/migrations/:mid/action', minVersion: '2.22', handler: (r) => forceComplete(d, r), policy: `${POLICY}:force_complete` }),
    route({ method: 'DELETE', path: '/servers/:id/migrations/:mid', minVersion: '2.24', handler: (r) => abort(d, r), policy: `${POLICY}:delete` }),
  ];
}
