/** The body of POST /v3/auth/tokens (keystone/auth/schema.py), for the password and token methods. */
import { Type } from 'typebox';

const open = { additionalProperties: true } as const;
const str = Type.String({ maxLength: 4096 });
const idOrName = Type.Object({ id: Type.Optional(str), name: Type.Optional(str) }, open);

/** A user in the password method: by id, or by name with its domain. */
const passwordUser = Type.Object({ id: Type.Optional(str), name: Type.Optional(str), password: str, domain: Type.Optional(idOrName) }, open);

/** The project of a scope: by id, or by name with its domain. */
const scopeProject = Type.Object({ id: Type.Optional(str), name: Type.Optional(str), domain: Type.Optional(idOrName) }, open);

/** POST /v3/auth/tokens: identity (methods, password, token) and an optional scope. */
export const authRequest = Type.Object(
  {
    auth: Type.Object(
      {
        identity: Type.Object(
          {
            methods: Type.Array(Type.String(), { minItems: 1 }),
            password: Type.Optional(Type.Object({ user: passwordUser }, open)),
            token: Type.Optional(Type.Object({ id: str }, open)),
          },
          open,
        ),
        scope: Type.Optional(
          Type.Union([
            Type.Object(
              {
                project: Type.Optional(scopeProject),
                domain: Type.Optional(idOrName),
                system: Type.Optional(Type.Object({}, open)),
                'OS-TRUST:trust': Type.Optional(Type.Object({}, open)),
              },
              open,
            ),
            Type.Literal('unscoped'),
          ]),
        ),
      },
      open,
    ),
  },
  open,
);
