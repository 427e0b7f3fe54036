/**
 * POST /v3/{project_id}/volumes/{id}/action (cinder/api/contrib/
 * volume_actions.py, admin_actions.py, extend): os-extend, os-set_bootable,
 * os-update_readonly_flag, os-reset_status and os-force_delete (admin),
 * os-volume_upload_image, os-retype (one backend: the type changes, the
 * data stays), and the legacy attach flow (os-reserve,
 * os-unreserve, os-attach, os-begin_detaching, os-roll_detaching,
 * os-detach, os-initialize_connection, os-terminate_connection).
 */
import { Invalid } from '../exception/base.ts';
import { atLeast } from '../http/microversion.ts';
import { complete, detach, reserve } from './attach.ts';
import { findVolume } from './common.ts';
import { badRequest, invalidInput, invalidVolume, notFound } from './errors.ts';
import { accepted, json, route, type VolumeDeps, type VolumeRequest, type VolumeRoute } from './http.ts';
import type { VolumeDoc } from './model.ts';
import { assertAdmin } from './policy.ts';
import { checkQuota } from './quotas.ts';
import { findType } from './types.ts';
import { uploadToImage } from './upload.ts';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

type Action = (deps: VolumeDeps, req: VolumeRequest, v: VolumeDoc, arg: Record<string, unknown>) => Promise<{ status: number; body?: unknown }>;

function bool(v: unknown, name: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  throw badRequest(`Invalid input for field/attribute ${name}. Value: ${String(v)}. '${String(v)}' is not of type 'boolean'`);
}

/** Move the volume between statuses or answer Cinder's 400. */
async function move(deps: VolumeDeps, v: VolumeDoc, to: Partial<VolumeDoc>, expected: readonly string[], refuse: () => Error): Promise<VolumeDoc> {
  const moved = await deps.store.update('volumes', v.id, to, expected);
  if (!moved) throw refuse();
  return moved;
}

const LEGACY = (v: VolumeDoc): string => `${v.id.slice(0, 8)}-legacy`;

const ACTIONS: Record<string, Action> = {
  'os-extend': async (deps, req, v, arg) => {
    const raw = arg.new_size;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(n) || n < 1)
      throw badRequest(`Invalid input for field/attribute new_size. Value: ${String(raw)}. ${JSON.stringify(raw)} is not of type 'integer', 'string'`);
    const inUse = atLeast(req.version, '3.42');
    const expected = inUse ? ['available', 'in-use'] : ['available'];
    if (!expected.includes(v.status)) {
      throw invalidVolume(`Volume ${v.id} status must be '${inUse ? "{'status': ('available', 'in-use')}" : "{'status': 'available'}"}' to extend, currently ${v.status}.`);
    }
    if (n <= v.size) throw invalidInput(`New size for extend must be greater than current size. (current: ${v.size}, extended: ${n}).`);
    const type = await deps.store.get('volume_types', v.volume_type_id);
    await checkQuota(deps, v.project_id, 'volumes', n - v.size, type?.name ?? '', { newSize: n });
    const was = v.status;
    await move(deps, v, { status: 'extending' }, expected, () => invalidVolume(`Volume ${v.id} status must be 'available' to extend, currently ${v.status}.`));
    deps.worker.run(
      v.id,
      `extend of volume ${v.id}`,
      async () => {
        await deps.driver.extendVolume(v.id, n);
        await deps.store.update('volumes', v.id, { status: was, size: n }, ['extending']);
      },
      async (_msg, error) => {
        // A refusal changed nothing (the file driver cannot grow an exported volume): the volume stays usable. Anything else: error_extending, as Cinder.
        await deps.store.update('volumes', v.id, { status: error instanceof Invalid ? was : 'error_extending' });
      },
    );
    return accepted();
  },
  'os-set_bootable': async (deps, _req, v, arg) => {
    if (!('bootable' in arg)) throw badRequest("Invalid input for field/attribute os-set_bootable. Value: {}. 'bootable' is a required property");
    await deps.store.update('volumes', v.id, { bootable: bool(arg.bootable, 'bootable') });
    return { status: 200 };
  },
  'os-update_readonly_flag': async (deps, _req, v, arg) => {
    if (!('readonly' in arg)) throw badRequest("Invalid input for field/attribute os-update_readonly_flag. Value: {}. 'readonly' is a required property");
    const flag = bool(arg.readonly, 'readonly');
    if (v.status !== 'available') throw invalidVolume(`Volume ${v.id} status must be available to update readonly flag, but current status is: ${v.status}.`);
    await deps.store.update('volumes', v.id, { readonly_flag: flag });
    return accepted();
  },
  'os-reset_status': async (deps, req, v, arg) => {
    assertAdmin(req.ctx, 'volume_extension:volume_admin_actions:reset_status');
    const changes: Partial<VolumeDoc> = {};
    const statuses = [
      'available',
      'error',
      'creating',
      'deleting',
      'in-use',
      'attaching',
      'detaching',
      'error_deleting',
      'maintenance',
      'reserved',
      'error_extending',
      'extending',
      'downloading',
      'uploading',
      'retyping',
      'backing-up',
      'restoring-backup',
      'error_restoring',
    ];
    if (arg.status !== undefined) {
      const s = String(arg.status).toLowerCase();
      if (!statuses.includes(s)) throw badRequest(`Must specify a valid status`);
      changes.status = s;
    }
    if (arg.attach_status !== undefined) {
      const s = String(arg.attach_status).toLowerCase();
      if (!['attached', 'detached'].includes(s)) throw badRequest(`Must specify a valid attach status`);
      changes.attach_status = s;
    }
    if (arg.migration_status !== undefined)
      changes.migration_status = arg.migration_status === null || String(arg.migration_status).toLowerCase() === 'none' ? null : String(arg.migration_status);
    if (!Object.keys(changes).length) throw badRequest('Must specify status, attach_status or migration_status for update.');
    await deps.store.update('volumes', v.id, changes);
    return accepted();
  },
  'os-force_delete': async (deps, req, v) => {
    assertAdmin(req.ctx, 'volume_extension:volume_admin_actions:force_delete');
    await deps.store.update('volumes', v.id, { status: 'deleting' });
    deps.worker.run(
      v.id,
      `force delete of volume ${v.id}`,
      async () => {
        for (const a of await deps.store.list('volume_attachments', { parent_id: v.id })) await detach(deps, a);
        for (const s of await deps.store.list('snapshots', { parent_id: v.id })) {
          await deps.driver.deleteSnapshot(v.id, s.id);
          await deps.store.delete('snapshots', s.id);
        }
        await deps.driver.deleteVolume(v.id);
        await deps.store.delete('volumes', v.id);
      },
      async () => {
        await deps.store.update('volumes', v.id, { status: 'error_deleting' });
      },
    );
    return accepted();
  },
  'os-volume_upload_image': uploadToImage,
  'os-retype': async (deps, _req, v, arg) => {
    const name = arg.new_type;
    if (typeof name !== 'string' || !name) throw badRequest("Invalid input for field/attribute os-retype. Value: {}. 'new_type' is a required property");
    const policy = arg.migration_policy ?? 'never';
    if (policy !== 'never' && policy !== 'on-demand')
      throw badRequest(`Invalid input for field/attribute migration_policy. Value: ${String(policy)}. '${String(policy)}' is not one of ['on-demand', 'never']`);
    // Any type, shared or not (Cinder looks it up elevated); one backend, so the volume stays where it is.
    const type = await findType(deps.store, name);
    if (!type) throw notFound(UUID.test(name) ? `Volume type ${name} could not be found.` : `Volume type with name ${name} could not be found.`);
    const refuse = () =>
      invalidVolume(
        'Retype needs volume to be in available or in-use state, not be part of an active migration or a consistency group, requested type has to be different that the one from the volume, and for in-use volumes front-end qos specs cannot change.',
      );
    if (type.id === v.volume_type_id || v.migration_status) throw refuse();
    const was = v.status;
    await move(deps, v, { status: 'retyping', previous_status: was }, ['available', 'in-use'], refuse);
    deps.worker.run(
      v.id,
      `retype of volume ${v.id}`,
      async () => {
        await deps.store.update('volumes', v.id, { status: was, volume_type_id: type.id }, ['retyping']);
      },
      async () => {
        await deps.store.update('volumes', v.id, { status: was });
      },
    );
    return accepted();
  },
  'os-reserve': async (deps, _req, v) => {
    await move(deps, v, { status: 'attaching' }, v.multiattach ? ['available', 'in-use'] : ['available'], () =>
      invalidVolume(`Volume status must be ${v.multiattach ? 'available or in-use' : 'available'} to reserve, but the status is ${v.status}.`),
    );
    return accepted();
  },
  'os-unreserve': async (deps, _req, v) => {
    const attached = (await deps.store.list('volume_attachments', { parent_id: v.id })).some((a) => a.attach_status === 'attached');
    await deps.store.update('volumes', v.id, { status: attached ? 'in-use' : 'available' }, ['attaching']);
    return accepted();
  },
  'os-begin_detaching': async (deps, _req, v) => {
    const refuse = () => invalidVolume("Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.");
    if (v.attach_status !== 'attached') throw refuse();
    await move(deps, v, { status: 'detaching' }, ['in-use'], refuse);
    return accepted();
  },
  'os-roll_detaching': async (deps, _req, v) => {
    await deps.store.update('volumes', v.id, { status: 'in-use' }, ['detaching']);
    return accepted();
  },
  'os-attach': async (deps, _req, v, arg) => {
    const instance = typeof arg.instance_uuid === 'string' ? arg.instance_uuid : null;
    const host = typeof arg.host_name === 'string' ? arg.host_name : null;
    if (!instance && !host) throw badRequest("Invalid input for field/attribute os-attach. Value: {}. 'instance_uuid' or 'host_name' is required");
    const mode = arg.mode === undefined ? 'rw' : arg.mode;
    if (mode !== 'rw' && mode !== 'ro') throw badRequest(`Invalid attaching mode '${String(mode)}' for volume ${v.id}.`);
    if (!['attaching', 'available', 'in-use', 'reserved'].includes(v.status))
      throw invalidVolume(`Volume status must be available or attaching to attach, but the status is ${v.status}.`);
    if (v.status === 'attaching') await deps.store.update('volumes', v.id, { status: 'available' });
    const a = await reserve(deps, { ...v, status: 'available' }, instance, mode);
    await deps.store.update('volume_attachments', a.id, { mountpoint: typeof arg.mountpoint === 'string' ? arg.mountpoint : null, attached_host: host, legacy: true });
    await complete(deps, a);
    return accepted();
  },
  'os-detach': async (deps, _req, v, arg) => {
    const atts = await deps.store.list('volume_attachments', { parent_id: v.id });
    const id = typeof arg.attachment_id === 'string' ? arg.attachment_id : undefined;
    const a = id === undefined && atts.length === 1 ? atts[0] : atts.find((x) => x.id === id);
    if (!a) {
      if (id === undefined && atts.length > 1) throw invalidVolume('Volume has multiple attachments: specify attachment_id.');
      throw badRequest(`Invalid input received: Volume attachment could not be found with filter: attachment_id = ${id ?? ''}.`);
    }
    await detach(deps, a);
    if (!atts.some((x) => x.id !== a.id)) await deps.driver.unexportVolume(v.id, LEGACY(v));
    return accepted();
  },
  'os-initialize_connection': async (deps, _req, v, arg) => {
    const c = arg.connector;
    if (!c || typeof c !== 'object' || Array.isArray(c))
      throw badRequest("Invalid input for field/attribute os-initialize_connection. Value: {}. 'connector' is a required property");
    const connector = new Map(Object.entries(c));
    const conn = await deps.driver.exportVolume(
      v.id,
      LEGACY(v),
      { host: String(connector.get('host') ?? ''), ip: String(connector.get('ip') ?? '') },
      v.readonly_flag ? 'ro' : 'rw',
    );
    return json({ connection_info: { driver_volume_type: conn.driver_volume_type, data: { ...conn.data, encrypted: false, discard: false } } });
  },
  'os-terminate_connection': async (deps, _req, v) => {
    await deps.driver.unexportVolume(v.id, LEGACY(v));
    return accepted();
  },
};

export function volumeActionRoutes(deps: VolumeDeps): VolumeRoute[] {
  return [
    route({
      method: 'POST',
      path: '/v3/volumes/:id/action',
      handler: async (req) => {
        const b: unknown = req.body;
        const entries = b && typeof b === 'object' && !Array.isArray(b) ? Object.entries(b) : [];
        const [name, raw] = entries[0] ?? ['', undefined];
        const action = ACTIONS[name];
        if (entries.length !== 1 || !action) throw badRequest(`There is no such action: ${name || 'None'}`);
        const v = await findVolume(deps, req.ctx, req.params.id);
        const arg = raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.fromEntries(Object.entries(raw)) : {};
        return action(deps, req, v, arg);
      },
    }),
  ];
}
