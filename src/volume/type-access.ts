/**
 * Private volume types shared with projects (cinder/api/contrib/
 * volume_type_access.py): the access list (admin), addProjectAccess and
 * removeProjectAccess actions (admin).
 */
import { badRequest, conflict, notFound } from './errors.ts';
import { json, route, type VolumeDeps, type VolumeRoute } from './http.ts';
import { assertAdmin } from './policy.ts';
import { visibleType } from './types.ts';

export function typeAccessRoutes(deps: VolumeDeps): VolumeRoute[] {
  return [
    route({
      method: 'GET',
      path: '/v3/types/:id/os-volume-type-access',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:volume_type_access:get_all_for_type');
        const t = await visibleType(deps, req, req.params.id);
        if (t.is_public) throw notFound('Access list not available for public volume types.');
        return json({ volume_type_access: (t.projects ?? []).map((p) => ({ volume_type_id: t.id, project_id: p })) });
      },
    }),
    route({
      method: 'POST',
      path: '/v3/types/:id/action',
      handler: async (req) => {
        const b: unknown = req.body;
        const [name, raw] = (b && typeof b === 'object' && !Array.isArray(b) ? Object.entries(b) : [])[0] ?? ['', undefined];
        if (name !== 'addProjectAccess' && name !== 'removeProjectAccess') throw badRequest(`There is no such action: ${name || 'None'}`);
        assertAdmin(req.ctx, `volume_extension:volume_type_access:${name}`);
        const project = raw && typeof raw === 'object' && 'project' in raw && typeof raw.project === 'string' ? raw.project : '';
        if (!project) throw badRequest(`Invalid input for field/attribute ${name}. Value: ${JSON.stringify(raw)}. 'project' is a required property`);
        const t = await visibleType(deps, req, req.params.id);
        if (t.is_public) throw badRequest('Invalid volume type: Type access modification is not applicable to public volume type.');
        const projects = t.projects ?? [];
        const combo = `${t.id} / ${project} combination`;
        if (name === 'addProjectAccess') {
          if (projects.includes(project)) throw conflict(`Volume type access for ${combo} already exists.`);
          await deps.store.update('volume_types', t.id, { projects: [...projects, project] });
        } else {
          if (!projects.includes(project)) throw notFound(`Volume type access not found for ${combo}.`);
          await deps.store.update('volume_types', t.id, { projects: projects.filter((p) => p !== project) });
        }
        return { status: 202 };
      },
    }),
  ];
}
