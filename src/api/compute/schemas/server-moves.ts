/**
 * Request schemas of the actions that move a server, after Nova's
 * schemas/servers.py (resize, confirmResize, revertResize),
 * schemas/migrate_server.py (migrate, os-migrateLive) and
 * schemas/evacuate.py, one per microversion where Nova has one.
 */
import { type Static, Type } from 'typebox';
import { BOOLEAN_VALUES, boolean, fqdn } from './parameter-types.ts';

const diskConfig = Type.String({ enum: ['AUTO', 'MANUAL'] });
/** parameter_types.flavor_ref. */
const flavorRef = Type.Unsafe<string | number>({ type: ['string', 'integer'], minLength: 1 });
/** migrate_server.host: an fqdn or null. */
const host = Type.Unsafe<string | null>({ ...fqdn, type: ['string', 'null'] });
const adminPass = Type.String();

export const resize = Type.Object(
  { resize: Type.Object({ flavorRef, 'OS-DCF:diskConfig': Type.Optional(diskConfig) }, { additionalProperties: false, required: ['flavorRef'] }) },
  { additionalProperties: false, required: ['resize'] },
);

/** confirmResize and revertResize take any value (Nova's schema leaves it open). */
export const confirmResize = Type.Object({ confirmResize: Type.Unknown() }, { additionalProperties: false, required: ['confirmResize'] });
export const revertResize = Type.Object({ revertResize: Type.Unknown() }, { additionalProperties: false, required: ['revertResize'] });

/** migrate from 2.56 (before, the body is not checked). */
export const migrateV256 = Type.Object(
  { migrate: Type.Union([Type.Object({ host: Type.Optional(host) }, { additionalProperties: false }), Type.Null()]) },
  { additionalProperties: false, required: ['migrate'] },
);

/** os-migrateLive 2.1 – 2.24. */
export const migrateLive = Type.Object(
  {
    'os-migrateLive': Type.Object(
      { block_migration: boolean, disk_over_commit: boolean, host },
      { additionalProperties: false, required: ['block_migration', 'disk_over_commit', 'host'] },
    ),
  },
  { additionalProperties: false, required: ['os-migrateLive'] },
);

/** block_migration from 2.25: a boolean or "auto". */
const blockMigrationV225 = Type.Unsafe<boolean | string>({ type: ['boolean', 'string'], enum: [...BOOLEAN_VALUES, 'auto'] });

/** os-migrateLive 2.25 – 2.29 and from 2.68 (no disk_over_commit; no force). */
export const migrateLiveV225 = Type.Object(
  { 'os-migrateLive': Type.Object({ block_migration: blockMigrationV225, host }, { additionalProperties: false, required: ['block_migration', 'host'] }) },
  { additionalProperties: false, required: ['os-migrateLive'] },
);

/** os-migrateLive 2.30 – 2.67: force. */
export const migrateLiveV230 = Type.Object(
  {
    'os-migrateLive': Type.Object(
      { block_migration: blockMigrationV225, host, force: Type.Optional(boolean) },
      { additionalProperties: false, required: ['block_migration', 'host'] },
    ),
  },
  { additionalProperties: false, required: ['os-migrateLive'] },
);

/** evacuate 2.1 – 2.13: onSharedStorage required. */
export const evacuate = Type.Object(
  {
    evacuate: Type.Object(
      { host: Type.Optional(fqdn), onSharedStorage: boolean, adminPass: Type.Optional(adminPass) },
      { additionalProperties: false, required: ['onSharedStorage'] },
    ),
  },
  { additionalProperties: false, required: ['evacuate'] },
);

/** evacuate 2.14 – 2.28 and from 2.68. */
export const evacuateV214 = Type.Object(
  { evacuate: Type.Object({ host: Type.Optional(fqdn), adminPass: Type.Optional(adminPass) }, { additionalProperties: false }) },
  { additionalProperties: false, required: ['evacuate'] },
);

/** evacuate 2.29 – 2.67: force. */
export const evacuateV229 = Type.Object(
  { evacuate: Type.Object({ host: Type.Optional(fqdn), adminPass: Type.Optional(adminPass), force: Type.Optional(boolean) }, { additionalProperties: false }) },
  { additionalProperties: false, required: ['evacuate'] },
);

export type EvacuateBody = Static<typeof evacuate> | Static<typeof evacuateV214> | Static<typeof evacuateV229>;
export type MigrateLiveBody = Static<typeof migrateLive> | Static<typeof migrateLiveV225> | Static<typeof migrateLiveV230>;

/** POST /servers/{id}/migrations/{mid}/action: {"force_complete": null}. */
export const forceComplete = Type.Object({ force_complete: Type.Null() }, { additionalProperties: false, required: ['force_complete'] });
