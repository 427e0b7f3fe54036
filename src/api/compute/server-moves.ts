/**
 * The server actions that move a server, as Nova's servers.py (resize,
 * confirmResize, revertResize), migrate_server.py (migrate,
 * os-migrateLive) and evacuate.py answer them: the server is looked up
 * first (404), the body checked per microversion (400), then the façade's
 * errors turned into Nova's codes for each action.
 */
import { randomBytes } from 'node:crypto';
import { MigrationNotFound } from '../../exception/migration.ts';
import { ComputeHostNotFound, FlavorNotFound } from '../../exception/resources.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { validate } from '../validation.ts';
import { boolFromString, refId } from './schemas/parameter-types.ts';
import * as schema from './schemas/server-moves.ts';
import { registerServerAction } from './server-actions.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

const accepted = (): ApiResponse => ({ status: 202 });

/** Nova's utils.generate_password (the evacuated server's new admin password when none is given). */
function generatePassword(length = 12): string {
  const chars = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(length), (b) => chars[b % chars.length]).join('');
}

/** Run `fn`, answering these error classes with 400 (Nova's per-action mapping). */
async function asBadRequest<T>(kinds: readonly (abstract new (...a: never[]) => Error)[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (kinds.some((k) => e instanceof k) && e instanceof Error) throw badRequest(e.message);
    throw e;
  }
}

const target = (inst: InstanceDTO) => ({ project_id: inst.project_id });

async function resize(d: ServerApiDeps, r: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const body = validate(schema.resize, r.body).resize;
  authorize(r.ctx, 'os_compute_api:servers:resize', target(inst));
  const disk = body['OS-DCF:diskConfig'];
  await stateConflicts('resize', inst.uuid, () =>
    asBadRequest([FlavorNotFound], () =>
      d.compute.moves.resize(r.ctx, inst, { flavorId: refId(body.flavorRef), host: null, autoDiskConfig: disk === undefined ? null : disk === 'AUTO' }),
    ),
  );
  return accepted();
}

async function confirmResize(d: ServerApiDeps, r: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.confirmResize, r.body);
  authorize(r.ctx, 'os_compute_api:servers:confirm_resize', target(inst));
  await stateConflicts('confirmResize', inst.uuid, () => asBadRequest([MigrationNotFound], () => d.compute.moves.confirmResize(r.ctx, inst)));
  // Nova answers 204 here, for backwards compatibility.
  return { status: 204 };
}

async function revertResize(d: ServerApiDeps, r: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.revertResize, r.body);
  authorize(r.ctx, 'os_compute_api:servers:revert_resize', target(inst));
  await stateConflicts('revertResize', inst.uuid, () => asBadRequest([MigrationNotFound], () => d.compute.moves.revertResize(r.ctx, inst)));
  return accepted();
}

async function migrate(d: ServerApiDeps, r: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  let host: string | null = null;
  if (atLeast(r.version, '2.56')) host = validate(schema.migrateV256, r.body).migrate?.host ?? null;
  authorize(r.ctx, host ? 'os_compute_api:os-migrate-server:migrate:host' : 'os_compute_api:os-migrate-server:migrate', target(inst));
  await stateConflicts('migrate', inst.uuid, () => asBadRequest([ComputeHostNotFound], () => d.compute.moves.resize(r.ctx, inst, { flavorId: null, host })));
  return accepted();
}

/** block_migration as the façade takes it: a boolean, or "auto" (from 2.25) decided by whether the hosts share storage (never, here: block). */
function blockMigration(value: boolean | string): boolean {
  return value === 'auto' ? true : boolFromString(value, true);
}

async function migrateLive(d: ServerApiDeps, r: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const v = r.version;
  const s: schema.MigrateLiveBody = validate(
    atLeast(v, '2.68') ? schema.migrateLiveV225 : atLeast(v, '2.30') ? schema.migrateLiveV230 : atLeast(v, '2.25') ? schema.migrateLiveV225 : schema.migrateLive,
    r.body,
  );
  const body = s['os-migrateLive'];
  const host = body.host ?? null;
  authorize(r.ctx, host ? 'os_compute_api:os-migrate-server:migrate_live:host' : 'os_compute_api:os-migrate-server:migrate_live', target(inst));
  let force = false;
  if (atLeast(v, '2.30') && !atLeast(v, '2.68') && 'force' in body && body.force !== undefined) {
    force = boolFromString(body.force, true);
    if (force && !host) throw badRequest("Can't force to a non-provided destination");
  }
  if ('disk_over_commit' in body) boolFromString(body.disk_over_commit, true);
  const block = blockMigration(body.block_migration);
  await stateConflicts('os-migrateLive', inst.uuid, () =>
    asBadRequest([ComputeHostNotFound], () => d.compute.moves.liveMigrate(r.ctx, inst, { host, blockMigration: block, force })),
  );
  return accepted();
}

async function evacuate(d: ServerApiDeps, r: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const v = r.version;
  const s: schema.EvacuateBody = validate(
    atLeast(v, '2.68') ? schema.evacuateV214 : atLeast(v, '2.29') ? schema.evacuateV229 : atLeast(v, '2.14') ? schema.evacuateV214 : schema.evacuate,
    r.body,
  );
  authorize(r.ctx, 'os_compute_api:os-evacuate', { project_id: inst.project_id });
  const body = s.evacuate;
  const host = body.host ?? null;
  let force = false;
  if ('force' in body && body.force !== undefined) {
    force = boolFromString(body.force, true);
    if (force && !host) throw badRequest("Can't force to a non-provided destination");
  }
  let password: string | null;
  if ('onSharedStorage' in body) {
    const shared = boolFromString(body.onSharedStorage);
    if (body.adminPass !== undefined && shared) throw badRequest("admin password can't be changed on existing disk");
    password = body.adminPass ?? (shared ? null : generatePassword());
  } else {
    password = body.adminPass ?? generatePassword();
  }
  await stateConflicts('evacuate', inst.uuid, () => d.compute.moves.evacuate(r.ctx, inst, { host, force, adminPass: password }));
  // Evacuate answers 200 (not 202); before 2.14 with the password when instance passwords are on.
  if (!atLeast(v, '2.14') && d.conf.api.enable_instance_password) return { status: 200, body: { adminPass: password } };
  return { status: 200 };
}

registerServerAction('resize', resize);
registerServerAction('confirmResize', confirmResize);
registerServerAction('revertResize', revertResize);
registerServerAction('migrate', migrate);
registerServerAction('os-migrateLive', migrateLive);
registerServerAction('evacuate', evacuate);
