import { Type } from 'typebox';

/** Nova's remote_consoles.create_v26: protocol and type as Nova enumerates them (unsupported ones answer 400 later). */
const remoteConsole = (protocols: string[], types: string[]) =>
  Type.Object(
    {
      remote_console: Type.Object(
        { protocol: Type.String({ enum: protocols }), type: Type.String({ enum: types }) },
        { additionalProperties: false, required: ['protocol', 'type'] },
      ),
    },
    { additionalProperties: false },
  );

/** POST /servers/{id}/remote-consoles, 2.6 – 2.7. */
export const createV26 = remoteConsole(['vnc', 'spice', 'rdp', 'serial'], ['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial']);
/** 2.8: mks / webmks (VMware), which no driver here offers. */
export const createV28 = remoteConsole(['vnc', 'spice', 'rdp', 'serial', 'mks'], ['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial', 'webmks']);

/** A legacy console action body (2.1 – 2.5): `{<action>: {type}}`, the action's name its only key. */
const legacy = <A extends string>(action: A, types: string[]) =>
  Type.Record(Type.Literal(action), Type.Object({ type: Type.String({ enum: types }) }, { additionalProperties: false, required: ['type'] }), { additionalProperties: false });

/** os-getVNCConsole: {type: novnc | xvpvnc}. */
export const getVncConsole = legacy('os-getVNCConsole', ['novnc', 'xvpvnc']);
/** os-getSPICEConsole: {type: spice-html5}. */
export const getSpiceConsole = legacy('os-getSPICEConsole', ['spice-html5']);
/** os-getSerialConsole: {type: serial}. */
export const getSerialConsole = legacy('os-getSerialConsole', ['serial']);
