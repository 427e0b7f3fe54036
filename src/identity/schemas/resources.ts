/** Request bodies of projects, users, roles and domains (as keystone/{resource,identity,assignment}/schema.py, reduced to what is stored here). */
import { Type } from 'typebox';
import { description, enabled, idString, name64, name255, nullableId, tags } from './common.ts';

const open = { additionalProperties: true } as const;

/** POST /v3/projects */
export const projectCreate = Type.Object(
  {
    project: Type.Object(
      {
        name: name64,
        domain_id: Type.Optional(nullableId),
        description: Type.Optional(description),
        enabled: Type.Optional(enabled),
        parent_id: Type.Optional(nullableId),
        is_domain: Type.Optional(Type.Boolean()),
        tags: Type.Optional(tags),
      },
      open,
    ),
  },
  open,
);

/** PATCH /v3/projects/{id} */
export const projectUpdate = Type.Object(
  {
    project: Type.Object(
      { name: Type.Optional(name64), description: Type.Optional(description), enabled: Type.Optional(enabled), tags: Type.Optional(tags), domain_id: Type.Optional(nullableId) },
      { ...open, minProperties: 1 },
    ),
  },
  open,
);

/** POST /v3/users (extra attributes such as email are kept). */
export const userCreate = Type.Object(
  {
    user: Type.Object(
      {
        name: name255,
        domain_id: Type.Optional(nullableId),
        default_project_id: Type.Optional(nullableId),
        password: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
        enabled: Type.Optional(enabled),
        description: Type.Optional(description),
      },
      open,
    ),
  },
  open,
);

/** PATCH /v3/users/{id} */
export const userUpdate = Type.Object(
  {
    user: Type.Object(
      {
        name: Type.Optional(name255),
        domain_id: Type.Optional(nullableId),
        default_project_id: Type.Optional(nullableId),
        password: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
        enabled: Type.Optional(enabled),
        description: Type.Optional(description),
      },
      { ...open, minProperties: 1 },
    ),
  },
  open,
);

/** POST /v3/users/{id}/password */
export const passwordChange = Type.Object(
  { user: Type.Object({ password: Type.String({ maxLength: 4096 }), original_password: Type.String({ maxLength: 4096 }) }, { additionalProperties: false }) },
  open,
);

/** POST /v3/roles */
export const roleCreate = Type.Object(
  {
    role: Type.Object(
      { name: name255, description: Type.Optional(description), domain_id: Type.Optional(Type.Null()), options: Type.Optional(Type.Object({}, { additionalProperties: false })) },
      open,
    ),
  },
  open,
);

/** PATCH /v3/roles/{id} */
export const roleUpdate = Type.Object({ role: Type.Object({ name: Type.Optional(name255), description: Type.Optional(description) }, { ...open, minProperties: 1 }) }, open);

/** POST /v3/domains */
export const domainCreate = Type.Object(
  {
    domain: Type.Object(
      { name: name64, description: Type.Optional(description), enabled: Type.Optional(enabled), tags: Type.Optional(tags), explicit_domain_id: Type.Optional(idString) },
      open,
    ),
  },
  open,
);

/** PATCH /v3/domains/{id} */
export const domainUpdate = Type.Object(
  { domain: Type.Object({ name: Type.Optional(name64), description: Type.Optional(description), enabled: Type.Optional(enabled) }, { ...open, minProperties: 1 }) },
  open,
);
