/**
 * Remote consoles: POST /servers/{id}/remote-consoles (2.6+) and the legacy
 * actions os-getVNCConsole, os-getSPICEConsole, os-getSerialConsole
 * (2.1 – 2.5); RDP (protocol rdp, os-getRDPConsole) answers 400 as Nova
 * does since it removed the Hyper-V driver. The flow is Nova's (before
 * nova-consoleauth was folded into the database): nova-api asks the
 * instance's nova-compute where the console is (get_console_endpoint), has
 * nova-consoleauth issue a token for it (authorize_console), and answers the
 * proxy URL carrying the token.
 */
import { ConsoleTypeInvalid, InstanceNotReady } from '../../exception/console.ts';
import { InstanceInvalidState } from '../../exception/instance.ts';
import { ConsoleTypeUnavailable } from '../../exception/virt.ts';
import type { ConsoleType } from '../../objects/console-auth-token.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { TaskState, VmState } from '../../objects/states.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import * as schema from './schemas/remote-consoles.ts';
import { registerServerAction, registerServerlessAction } from './server-actions.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';
import { consoleBaseUrl, consoleEnabled, consoleUrl } from './views/remote-consoles.ts';

/** The console type each protocol serves here (Nova's handlers by protocol). */
const TYPE_OF_PROTOCOL: Readonly<Record<string, ConsoleType>> = { vnc: 'novnc', spice: 'spice-html5', serial: 'serial' };

/** Nova refuses consoles of instances being deleted or migrated (reject_instance_state). */
const BUSY_TASKS: readonly (string | null)[] = [TaskState.DELETING, 'migrating'];

/** A console is offered while the guest runs (paused guests keep their display). */
const READY_STATES: readonly string[] = [VmState.ACTIVE, VmState.PAUSED];

/** Check protocol/type/config/state, get the endpoint, issue a token, build the URL. Throws Nova's errors. */
export async function consoleUrlFor(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO, protocol: string, type: string): Promise<string> {
  // vnc serves both novnc (browsers, nova-novncproxy) and xvpvnc (native clients, nova-xvpvncproxy), as Nova's get_vnc_console did.
  const expected = protocol === 'vnc' && type === 'xvpvnc' ? 'xvpvnc' : TYPE_OF_PROTOCOL[protocol];
  if (!expected) throw ConsoleTypeUnavailable.of(type);
  if (type !== expected) throw ConsoleTypeInvalid.of(type);
  if (!consoleEnabled(d.conf, expected)) throw ConsoleTypeUnavailable.of(type);
  if (BUSY_TASKS.includes(inst.task_state)) throw InstanceInvalidState.of(inst.uuid, 'task_state', inst.task_state, `get_${protocol}_console`);
  if (!inst.host || !READY_STATES.includes(inst.vm_state)) throw InstanceNotReady.of(inst.uuid);
  const consoleauth = d.compute.consoleAuth;
  if (!consoleauth) throw new HttpError(501, 'Console tokens are not available: nova-api was started without nova-consoleauth.');
  const endpoint = await d.compute.getConsoleEndpoint(req.ctx, inst, expected === 'xvpvnc' ? 'novnc' : expected);
  const base = consoleBaseUrl(d.conf, expected);
  const token = await consoleauth.authorize_console(req.ctx, {
    instance_uuid: inst.uuid,
    console_type: expected,
    host: endpoint.host,
    port: endpoint.port,
    internal_access_path: endpoint.path ?? endpoint.internal_access_path ?? null,
    access_url_base: base,
  });
  return consoleUrl(expected, base, token);
}

async function createRemoteConsole(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(atLeast(req.version, '2.8') ? schema.createV28 : schema.createV26, req.body);
  const { protocol, type } = body.remote_console;
  const inst = await d.compute.get(req.ctx, req.params.id);
  // RDP went with the Hyper-V driver (Nova 29.0.0): the schema still takes it, the controller refuses it by protocol, whatever the type.
  if (protocol === 'rdp') throw badRequest('Unavailable console type rdp.');
  const url = await stateConflicts('create', inst.uuid, () => consoleUrlFor(d, req, inst, protocol, type));
  return ok({ remote_console: { protocol, type, url } });
}

/** A legacy console action: exists from 2.1 to 2.5 only (404 after, as Nova's versioned action). `typeOf` validates the body and reads its console type. */
function legacyAction(action: 'os-getVNCConsole' | 'os-getSPICEConsole' | 'os-getSerialConsole', protocol: string, typeOf: (body: unknown) => string): void {
  registerServerAction(action, async (d, r, inst) => {
    if (atLeast(r.version, '2.6')) throw notFound('The resource could not be found.');
    const type = typeOf(r.body);
    const url = await consoleUrlFor(d, r, inst, protocol, type);
    return ok({ console: { type, url } });
  });
}

legacyAction('os-getVNCConsole', 'vnc', (b) => validate(schema.getVncConsole, b)['os-getVNCConsole'].type);
legacyAction('os-getSPICEConsole', 'spice', (b) => validate(schema.getSpiceConsole, b)['os-getSPICEConsole'].type);
legacyAction('os-getSerialConsole', 'serial', (b) => validate(schema.getSerialConsole, b)['os-getSerialConsole'].type);

/** webob's HTTPBadRequest() without an explanation: HTTPClientError's default text. */
const BAD_REQUEST_DEFAULT = 'The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n';

// os-getRDPConsole (2.1 – 2.5), removed with the Hyper-V driver: Nova's handler raises a bare 400 before looking at the body or the server.
registerServerlessAction('os-getRDPConsole', async (r) => {
  if (atLeast(r.version, '2.6')) throw notFound('The resource could not be found.');
  throw badRequest(BAD_REQUEST_DEFAULT);
});

/** POST /servers/{id}/remote-consoles (2.6+). The legacy actions register themselves with the server actions. */
export function remoteConsoleRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'POST', path: '/servers/:id/remote-consoles', minVersion: '2.6', handler: (r) => createRemoteConsole(d, r), policy: 'os_compute_api:os-remote-consoles' }),
  ];
}
