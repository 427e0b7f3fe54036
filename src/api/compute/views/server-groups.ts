/** Server group bodies as Nova's server_groups.py _format_server_group renders them, by microversion. */
import type { ServerGroupDTO } from '../../../objects/server-group.ts';
import { atLeast, type Microversion } from '../../microversion.ts';

/**
 * id, name, then `policies` and an empty `metadata` before 2.64 or `policy`
 * and `rules` from 2.64, the live members, and project_id/user_id from 2.13.
 */
export function serverGroupView(g: ServerGroupDTO, version: Microversion): Record<string, unknown> {
  const body: Record<string, unknown> = { id: g.uuid, name: g.name };
  if (atLeast(version, '2.64')) {
    body.policy = g.policy;
    body.rules = g.rules;
  } else {
    body.policies = [g.policy];
    body.metadata = {};
  }
  body.members = g.members;
  if (atLeast(version, '2.13')) {
    body.project_id = g.project_id;
    body.user_id = g.user_id;
  }
  return body;
}
