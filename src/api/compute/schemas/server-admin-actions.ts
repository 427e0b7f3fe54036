/**
 * Bodies of os-resetState and injectNetworkInfo (schemas/admin_actions.py),
 * changePassword (schemas/admin_password.py), trigger_crash_dump
 * (schemas/servers.py) and restore / forceDelete (schemas/deferred_delete.py).
 */
import { Type } from 'typebox';

export const resetState = Type.Object(
  { 'os-resetState': Type.Object({ state: Type.String({ enum: ['active', 'error'] }) }, { additionalProperties: false, required: ['state'] }) },
  { additionalProperties: false, required: ['os-resetState'] },
);

export const injectNetworkInfo = Type.Object({ injectNetworkInfo: Type.Unknown() }, { additionalProperties: false, required: ['injectNetworkInfo'] });

export const changePassword = Type.Object(
  { changePassword: Type.Object({ adminPass: Type.String() }, { additionalProperties: false, required: ['adminPass'] }) },
  { additionalProperties: false, required: ['changePassword'] },
);

/** 2.17+: the value must be null. */
export const triggerCrashDump = Type.Object({ trigger_crash_dump: Type.Null() }, { additionalProperties: false, required: ['trigger_crash_dump'] });

export const restore = Type.Object({ restore: Type.Unknown() }, { additionalProperties: false, required: ['restore'] });
export const forceDelete = Type.Object({ forceDelete: Type.Unknown() }, { additionalProperties: false, required: ['forceDelete'] });
