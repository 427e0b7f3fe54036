/**
 * POST /os-server-external-events (nova/api/openstack/compute/server_external_events.py):
 * events from other services (network, volume, accelerator) about
 * servers, admin only. Each event is answered in the body with its own
 * code: 200 accepted (cast to the server's compute host), 404 for an
 * unknown server, 422 for a server without a host, 400 when an event that
 * needs a tag has none; the response is 200 when every event was accepted,
 * else 207. volume-extended and power-update record an instance action as
 * Nova's compute API does.
 */
import type { ExternalEvent } from '../../compute/host-rpc-types.ts';
import { InstanceNotFound } from '../../exception/instance.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiResponse, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/server-external-events.ts';

const POLICY = 'os_compute_api:os-server-external-events:create';
/** Events that mean nothing without a tag. */
const TAG_REQUIRED = new Set(['volume-extended', 'power-update', 'accelerator-request-bound']);

function schemaFor(v: Microversion) {
  if (atLeast(v, '2.93')) return schema.createV293;
  if (atLeast(v, '2.82')) return schema.createV282;
  if (atLeast(v, '2.76')) return schema.createV276;
  if (atLeast(v, '2.51')) return schema.createV251;
  return schema.createV20;
}

/** The instance action an event records (compute API external_instance_event), if any. */
function actionOf(e: ExternalEvent): string | null {
  if (e.name === 'volume-extended') return 'extend_volume';
  if (e.name === 'power-update') return e.tag === 'POWER_ON' ? 'start' : e.tag === 'POWER_OFF' ? 'stop' : null;
  return null;
}

async function create(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const body: schema.CreateBody = validate(schemaFor(req.version), req.body);
  authorize(req.ctx, POLICY);
  const instances = new Map<string, InstanceDTO>();
  for (const uuid of new Set(body.events.map((e) => e.server_uuid))) {
    const inst = await deps.db.instances.get(uuid).catch((e: unknown) => {
      if (e instanceof InstanceNotFound) return null;
      throw e;
    });
    if (inst) instances.set(uuid, inst);
  }
  let status = 200;
  const answered: Record<string, unknown>[] = [];
  const accepted: ExternalEvent[] = [];
  const acceptedInstances = new Map<string, InstanceDTO>();
  for (const e of body.events) {
    const event: ExternalEvent = { instance_uuid: e.server_uuid, name: e.name, status: e.status ?? 'completed', tag: e.tag ?? null };
    const out: Record<string, unknown> = { ...e };
    answered.push(out);
    const inst = instances.get(event.instance_uuid);
    if (!inst) {
      deps.log.debug({ instance: event.instance_uuid, event: event.name }, 'dropping event for an unknown instance');
      Object.assign(out, { status: 'failed', code: 404 });
      status = 207;
    } else if (TAG_REQUIRED.has(event.name) && event.tag === null) {
      Object.assign(out, { status: 'failed', code: 400 });
      status = 207;
    } else if (inst.host) {
      deps.log.info(
        { instance: inst.uuid, event: event.name, tag: event.tag, host: inst.host },
        `Creating event ${event.name}:${event.tag ?? 'None'} for instance ${inst.uuid} on ${inst.host}`,
      );
      accepted.push(event);
      acceptedInstances.set(inst.uuid, inst);
      Object.assign(out, { status: 'completed', code: 200 });
    } else {
      Object.assign(out, { status: 'failed', code: 422 });
      status = 207;
    }
  }
  if (accepted.length) {
    for (const e of accepted) {
      const action = actionOf(e);
      if (action)
        await deps.db.history.startAction({ action, instance_uuid: e.instance_uuid, request_id: req.ctx.request_id, user_id: req.ctx.user_id, project_id: req.ctx.project_id });
    }
    await deps.hosts?.externalInstanceEvent(req.ctx, [...acceptedInstances.values()], accepted);
  }
  return { status, body: { events: answered } };
}

/** POST /os-server-external-events. */
export function serverExternalEventsRoutes(deps: ApiDeps): Route[] {
  return [route({ method: 'POST', path: '/os-server-external-events', policy: POLICY, handler: (req) => create(deps, req) })];
}
