/** Request schemas of os-server-external-events (nova/api/openstack/compute/schemas/server_external_events.py). */
import { type Static, Type } from 'typebox';

/** nova.objects.external_event.EVENT_STATUSES. */
const STATUSES = ['failed', 'completed', 'in-progress'];
/** The event names of 2.0 – 2.50; each later microversion adds one. */
const NAMES = ['network-changed', 'network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted'];

const create = (names: string[]) =>
  Type.Object(
    {
      events: Type.Array(
        Type.Object(
          {
            server_uuid: Type.String({ format: 'uuid' }),
            name: Type.String({ enum: names }),
            status: Type.Optional(Type.String({ enum: STATUSES })),
            tag: Type.Optional(Type.String({ maxLength: 255 })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
    },
    { additionalProperties: false },
  );

export const createV20 = create(NAMES);
export const createV251 = create([...NAMES, 'volume-extended']);
export const createV276 = create([...NAMES, 'volume-extended', 'power-update']);
export const createV282 = create([...NAMES, 'volume-extended', 'power-update', 'accelerator-request-bound']);
export const createV293 = create([...NAMES, 'volume-extended', 'power-update', 'accelerator-request-bound', 'volume-reimaged']);

export type CreateBody = Static<typeof createV20>;
