import type { InstanceDTO } from '../../objects/instance.ts';
import { conflict } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { actionHandler, actionName, validate } from '../validation.ts';
import { checkNumberRange } from './schemas/parameter-types.ts';
import * as schema from './schemas/servers.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';
import { idle, settle } from './settle.ts';

type ActionHandler = (deps: ServerApiDeps, req: ApiRequest, inst: InstanceDTO) => Promise<ApiResponse>;

const accepted = (): ApiResponse => ({ status: 202 });

/** POST /servers/{id}/action bodies, by their single key (Nova's server action plugins). */
const ACTIONS: Record<string, ActionHandler> = {
  'os-start': async (d, r, i) => {
    await stateConflicts('start', i.uuid, () => d.compute.start(r.ctx, i));
    return accepted();
  },
  'os-stop': async (d, r, i) => {
    await stateConflicts('stop', i.uuid, () => d.compute.stop(r.ctx, i));
    return accepted();
  },
  reboot: async (d, r, i) => {
    const body = validate(schema.reboot, r.body);
    // The schema allows only soft and hard, in three spellings.
    const type = body.reboot.type.toUpperCase() === 'HARD' ? 'HARD' : 'SOFT';
    await stateConflicts('reboot', i.uuid, () => d.compute.reboot(r.ctx, i, type));
    return accepted();
  },
  pause: async (d, r, i) => {
    await stateConflicts('pause', i.uuid, () => d.compute.pause(r.ctx, i));
    return accepted();
  },
  unpause: async (d, r, i) => {
    await stateConflicts('unpause', i.uuid, () => d.compute.unpause(r.ctx, i));
    return accepted();
  },
  suspend: async (d, r, i) => {
    await stateConflicts('suspend', i.uuid, () => d.compute.suspend(r.ctx, i));
    return accepted();
  },
  resume: async (d, r, i) => {
    await stateConflicts('resume', i.uuid, () => d.compute.resume(r.ctx, i));
    return accepted();
  },
  lock: async (d, r, i) => {
    let reason: string | null = null;
    if (atLeast(r.version, '2.73')) {
      const body = validate(schema.lockV273, r.body);
      reason = body.lock?.locked_reason ?? null;
    }
    await d.compute.lock(r.ctx, i, reason);
    return accepted();
  },
  unlock: async (d, r, i) => {
    await d.compute.unlock(r.ctx, i);
    return accepted();
  },
  'os-getConsoleOutput': (d, r, i) => consoleOutput(d, r, i),
};

/** Characters Nova removes from console output (console_output.py's remove_re): controls but tab and newline. */
const CONSOLE_JUNK = new RegExp(`[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(11)}-${String.fromCharCode(31)}]`, 'g');

/**
 * os-getConsoleOutput: the last `length` lines (all for null or -1, none for
 * 0), from the instance's host; 409 "not ready" while it has none; control
 * characters but tab and newline removed, as Nova does.
 */
async function consoleOutput(d: ServerApiDeps, r: ApiRequest, i: InstanceDTO): Promise<ApiResponse> {
  const body = validate(schema.consoleOutput, r.body);
  const raw = body['os-getConsoleOutput'].length;
  // The schema's minimum applies to digit strings too, as Nova's validator converts them.
  checkNumberRange('length', raw, -1, null);
  const length = raw === undefined || raw === null ? null : Number(raw);
  if (!i.host) throw conflict(`Instance ${i.uuid} is not ready`);
  const output = await stateConflicts('get_console_output', i.uuid, () => d.compute.getConsoleOutput(r.ctx, i, length === -1 ? null : length));
  return ok({ output: output.replace(CONSOLE_JUNK, '') });
}

/** Actions whose handler answers without the server (Nova's removed ones, which do not look it up): by name. */
const WITHOUT_SERVER: Record<string, ServerlessHandler> = {};

type ServerlessHandler = (req: ApiRequestOf<'id'>, deps: ServerApiDeps) => Promise<ApiResponse>;

async function serverAction(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const name = actionName(req.body);
  const early = Object.hasOwn(WITHOUT_SERVER, name) ? WITHOUT_SERVER[name] : undefined;
  if (early) return early(req, deps);
  const handler = actionHandler(ACTIONS, name);
  const inst = await deps.compute.get(req.ctx, req.params.id);
  const res = await handler(deps, req, inst);
  // An accepted action answers once the instance has no task left (or at the end of [api] settle_ms).
  if (res.status === 202) await settle(deps, [inst.uuid], idle);
  return res;
}

/** Server actions: start, stop, reboot, pause/unpause, suspend/resume, lock/unlock, console output. */
export function serverActionRoutes(deps: ServerApiDeps): Route[] {
  return [route({ method: 'POST', path: '/servers/:id/action', handler: (r) => serverAction(deps, r), policy: 'os_compute_api:servers:action' })];
}

/** The action names POST /servers/{id}/action knows (each module that adds some imported first), for the README's table. */
export function serverActionNames(): string[] {
  return [...Object.keys(ACTIONS), ...Object.keys(WITHOUT_SERVER)];
}

/** Other modules (consoles) add actions here. */
export function registerServerAction(name: string, handler: ActionHandler): void {
  ACTIONS[name] = handler;
}

/** An action answered before (and whether or not) the server is found: Nova's removed actions, which never look it up. */
export function registerServerlessAction(name: string, handler: ServerlessHandler): void {
  WITHOUT_SERVER[name] = handler;
}
