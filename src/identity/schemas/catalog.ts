/** Request bodies of services, endpoints and regions (keystone/catalog/schema.py). */
import { Type } from 'typebox';
import { description, enabled, endpointInterface, idString, url } from './common.ts';

const open = { additionalProperties: true } as const;
const regionId = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]);

/** POST /v3/services */
export const serviceCreate = Type.Object(
  {
    service: Type.Object(
      {
        type: Type.String({ minLength: 1, maxLength: 255 }),
        name: Type.Optional(Type.String({ maxLength: 255 })),
        description: Type.Optional(description),
        enabled: Type.Optional(enabled),
      },
      open,
    ),
  },
  open,
);

/** PATCH /v3/services/{id} */
export const serviceUpdate = Type.Object(
  {
    service: Type.Object(
      {
        type: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        name: Type.Optional(Type.String({ maxLength: 255 })),
        description: Type.Optional(description),
        enabled: Type.Optional(enabled),
      },
      { ...open, minProperties: 1 },
    ),
  },
  open,
);

/** POST /v3/endpoints */
export const endpointCreate = Type.Object(
  {
    endpoint: Type.Object(
      { service_id: idString, interface: endpointInterface, url, region_id: Type.Optional(regionId), region: Type.Optional(regionId), enabled: Type.Optional(enabled) },
      open,
    ),
  },
  open,
);

/** PATCH /v3/endpoints/{id} */
export const endpointUpdate = Type.Object(
  {
    endpoint: Type.Object(
      {
        service_id: Type.Optional(idString),
        interface: Type.Optional(endpointInterface),
        url: Type.Optional(url),
        region_id: Type.Optional(regionId),
        region: Type.Optional(regionId),
        enabled: Type.Optional(enabled),
      },
      { ...open, minProperties: 1 },
    ),
  },
  open,
);

/** POST /v3/regions */
export const regionCreate = Type.Object(
  {
    region: Type.Object(
      { id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), description: Type.Optional(description), parent_region_id: Type.Optional(regionId) },
      open,
    ),
  },
  open,
);
