/**
 * The rebuild action's request schemas, after Nova's schemas/servers.py
 * (rebuild, rebuild_v219, _v254, _v257, _v263, _v290).
 */
import { type Static, type TProperties, Type } from 'typebox';
import { boolean, description, metadata, name } from './parameter-types.ts';

const diskConfig = Type.String({ enum: ['AUTO', 'MANUAL'] });
const personality = Type.Array(Type.Object({ path: Type.String(), contents: Type.String({ format: 'base64' }) }, { additionalProperties: false }));
/** parameter_types.name_or_none. */
const nameOrNone = Type.Unsafe<string | null>({ anyOf: [name, { type: 'null' }] });
const userData = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'base64', maxLength: 65535 });
const trustedCerts = Type.Unsafe<string[] | null>({ type: ['array', 'null'], minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1 } });
const hostname = Type.String({ minLength: 2, maxLength: 63, pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$' });

const v21 = {
  name: Type.Optional(name),
  // Any image reference, as the create schema here takes it (see the README).
  imageRef: Type.String({ maxLength: 255 }),
  adminPass: Type.Optional(Type.String()),
  metadata: Type.Optional(metadata),
  preserve_ephemeral: Type.Optional(boolean),
  'OS-DCF:diskConfig': Type.Optional(diskConfig),
  accessIPv4: Type.Optional(Type.String({ format: 'ipv4' })),
  accessIPv6: Type.Optional(Type.String({ format: 'ipv6' })),
};
const v219 = { ...v21, personality: Type.Optional(personality), description: Type.Optional(description) };
const v254 = { ...v219, key_name: Type.Optional(nameOrNone) };
const { personality: _p, ...v254NoPersonality } = v254;
const v257 = { ...v254NoPersonality, user_data: Type.Optional(userData) };
const v263 = { ...v257, trusted_image_certificates: Type.Optional(trustedCerts) };
const v290 = { ...v263, hostname: Type.Optional(hostname) };

function rebuildSchema<P extends TProperties>(props: P) {
  return Type.Object({ rebuild: Type.Object(props, { additionalProperties: false, required: ['imageRef'] }) }, { additionalProperties: false, required: ['rebuild'] });
}

export const rebuild = rebuildSchema({ ...v21, personality: Type.Optional(personality) });
export const rebuildV219 = rebuildSchema(v219);
export const rebuildV254 = rebuildSchema(v254);
export const rebuildV257 = rebuildSchema(v257);
export const rebuildV263 = rebuildSchema(v263);
export const rebuildV290 = rebuildSchema(v290);

/** The rebuild object as the handler reads it: any microversion's (fields a version lacks are absent). */
export type RebuildBody = Static<typeof rebuildV290>['rebuild'];
