/** The version documents: GET / (300, the version list) and GET /v3, as Keystone (Zed: v3.14) renders them. */
import { type IdentityRoute, route } from './types.ts';

/** The identity API version this service speaks. */
export const IDENTITY_API_VERSION = 'v3.14';
const UPDATED = '2020-04-07T00:00:00Z';

/** The v3 version entry, linking to `<base>/v3/`. */
export function v3Version(base: string): Record<string, unknown> {
  return {
    id: IDENTITY_API_VERSION,
    status: 'stable',
    updated: UPDATED,
    links: [{ rel: 'self', href: `${base}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** GET / and GET /v3. */
export function versionRoutes(): IdentityRoute[] {
  return [
    route({
      method: 'GET',
      path: '/',
      public: true,
      handler: async (req) => ({ status: 300, body: { versions: { values: [v3Version(req.baseUrl)] } } }),
    }),
    route({ method: 'GET', path: '/v3', public: true, handler: async (req) => ({ status: 200, body: { version: v3Version(req.baseUrl) } }) }),
  ];
}
