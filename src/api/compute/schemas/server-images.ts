/**
 * createImage (nova/api/openstack/compute/schemas/servers.py create_image)
 * and createBackup (schemas/create_backup.py) bodies.
 */
import { Type } from 'typebox';

/** parameter_types.name's length (its printable/no-surrounding-whitespace rule is checked by the handler, with Nova's message). */
const name = Type.String({ minLength: 1, maxLength: 255 });
/** parameter_types.metadata. */
const metadata = Type.Record(Type.String({ pattern: '^[a-zA-Z0-9-_:. ]{1,255}$' }), Type.String({ maxLength: 255 }), { additionalProperties: false });
/** parameter_types.non_negative_integer (an integer or its digits). */
const nonNegativeInteger = Type.Unsafe<number | string>({ type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, minLength: 1 });

export const createImage = Type.Object(
  { createImage: Type.Object({ name, metadata: Type.Optional(metadata) }, { additionalProperties: false, required: ['name'] }) },
  { additionalProperties: false, required: ['createImage'] },
);

export const createBackup = Type.Object(
  {
    createBackup: Type.Object(
      { name, backup_type: Type.String(), rotation: nonNegativeInteger, metadata: Type.Optional(metadata) },
      { additionalProperties: false, required: ['name', 'backup_type', 'rotation'] },
    ),
  },
  { additionalProperties: false, required: ['createBackup'] },
);
