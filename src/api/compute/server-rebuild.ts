/**
 * The rebuild action, as Nova's servers.py _action_rebuild: body checked per
 * microversion, 202 with the server as it now is (the core attributes
 * before 2.75, all of them from 2.75; key_name from 2.54, user_data from
 * 2.57), adminPass when instance passwords are on, and a Location header.
 */
import { randomBytes } from 'node:crypto';
import type { InstanceDTO } from '../../objects/instance.ts';
import { normalizeIpv6 } from '../../util/ipv6.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { validate } from '../validation.ts';
import { boolFromString, checkName } from './schemas/parameter-types.ts';
import * as schema from './schemas/server-rebuild.ts';
import { registerServerAction } from './server-actions.ts';
import { type ServerApiDeps, stateConflicts, viewContext } from './servers.ts';
import { serverDetail } from './views/servers.ts';

function generatePassword(length = 12): string {
  const chars = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(length), (b) => chars[b % chars.length]).join('');
}

function bodySchema(v: ApiRequest['version']) {
  if (atLeast(v, '2.90')) return schema.rebuildV290;
  if (atLeast(v, '2.63')) return schema.rebuildV263;
  if (atLeast(v, '2.57')) return schema.rebuildV257;
  if (atLeast(v, '2.54')) return schema.rebuildV254;
  if (atLeast(v, '2.19')) return schema.rebuildV219;
  return schema.rebuild;
}

async function rebuild(d: ServerApiDeps, r: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const v = r.version;
  const body: schema.RebuildBody = validate(bodySchema(v), r.body).rebuild;
  authorize(r.ctx, 'os_compute_api:servers:rebuild', { project_id: inst.project_id });
  if (body.name !== undefined) checkName(body.name);
  if (body.trusted_image_certificates !== undefined) authorize(r.ctx, 'os_compute_api:servers:rebuild:trusted_certs', { project_id: inst.project_id });
  const password = body.adminPass ?? generatePassword();
  const disk = body['OS-DCF:diskConfig'];
  const rebuilt = await stateConflicts('rebuild', inst.uuid, () =>
    d.compute.rebuild(r.ctx, inst, {
      imageRef: body.imageRef,
      adminPass: password,
      name: body.name,
      description: body.description,
      metadata: body.metadata,
      preserveEphemeral: body.preserve_ephemeral === undefined ? false : boolFromString(body.preserve_ephemeral, true),
      autoDiskConfig: disk === undefined ? null : disk === 'AUTO',
      accessIpV4: body.accessIPv4,
      accessIpV6: body.accessIPv6 === undefined ? undefined : normalizeIpv6(body.accessIPv6),
      keyName: atLeast(v, '2.54') ? body.key_name : undefined,
      userData: atLeast(v, '2.57') ? body.user_data : undefined,
      hostname: atLeast(v, '2.90') ? body.hostname : undefined,
    }),
  );
  const now = await d.db.instances.get(rebuilt.uuid);
  const vc = await viewContext(d, r, [now], true);
  const basic = !atLeast(v, '2.75');
  const server = serverDetail(now, { ...vc, basic, hideUserData: true });
  if (basic && atLeast(v, '2.54')) server.key_name = now.key_name;
  if (d.conf.api.enable_instance_password) server.adminPass = password;
  if (atLeast(v, '2.57')) server.user_data = now.user_data;
  return { status: 202, body: { server }, headers: { Location: `${r.baseUrl}/v2.1/servers/${now.uuid}` } };
}

registerServerAction('rebuild', rebuild);
