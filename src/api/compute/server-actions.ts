import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { actionHandler, actionName, validate } from '../validation.ts';
import * as schema from './schemas/servers.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

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
  'os-getConsoleOutput': async (d, r, i) => {
    const body = validate(schema.consoleOutput, r.body);
    const raw = body['os-getConsoleOutput'].length;
    const length = raw === undefined || raw === null ? null : Number(raw);
    if (length !== null && length < -1) throw badRequest('Invalid input for field/attribute length.');
    const output = await stateConflicts('get_console_output', i.uuid, () => d.compute.getConsoleOutput(r.ctx, i, length === -1 ? null : length));
    return ok({ output });
  },
};

async function serverAction(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const handler = actionHandler(ACTIONS, actionName(req.body));
  const inst = await deps.compute.get(req.ctx, req.params.id);
  return handler(deps, req, inst);
}

/** Server actions: start, stop, reboot, pause/unpause, suspend/resume, lock/unlock, console output. */
export function serverActionRoutes(deps: ServerApiDeps): Route[] {
  return [route({ method: 'POST', path: '/servers/:id/action', handler: (r) => serverAction(deps, r), policy: 'os_compute_api:servers:action' })];
}

/** Other modules (consoles) add actions here. */
export function registerServerAction(name: string, handler: ActionHandler): void {
  ACTIONS[name] = handler;
}
