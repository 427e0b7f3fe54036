import { MAX_VERSION, MIN_VERSION } from './microversion.ts';

const V21_UPDATED = '2013-07-23T11:33:21Z';

function v21(baseUrl: string) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: MAX_VERSION,
    min_version: MIN_VERSION,
    updated: V21_UPDATED,
    links: [{ rel: 'self', href: `${baseUrl}/v2.1/` }],
  };
}

/** `GET /`: the versions this endpoint offers. */
export function versionsDocument(baseUrl: string) {
  return { versions: [v21(baseUrl)] };
}

/** `GET /v2.1`: the v2.1 version document with its microversion range. */
export function v21Document(baseUrl: string) {
  return {
    version: {
      ...v21(baseUrl),
      links: [
        { rel: 'self', href: `${baseUrl}/v2.1/` },
        { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
      ],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  };
}
