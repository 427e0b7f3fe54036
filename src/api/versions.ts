/**
 * The Compute API's version documents (nova/api/openstack/compute/versions.py):
 * v2.0 (SUPPORTED, the legacy v2 compatible endpoint at /v2, no
 * microversions) and v2.1 (CURRENT, with its microversion range).
 */
import { MAX_VERSION, MIN_VERSION } from './microversion.ts';

const DESCRIBED_BY = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

const VERSIONS = {
  'v2.0': {
    id: 'v2.0',
    status: 'SUPPORTED',
    version: '',
    min_version: '',
    updated: '2011-01-21T11:33:21Z',
    path: 'v2',
    mediaType: 'application/vnd.openstack.compute+json;version=2',
  },
  'v2.1': {
    id: 'v2.1',
    status: 'CURRENT',
    version: MAX_VERSION,
    min_version: MIN_VERSION,
    updated: '2013-07-23T11:33:21Z',
    path: 'v2.1',
    mediaType: 'application/vnd.openstack.compute+json;version=2.1',
  },
} as const;

type VersionId = keyof typeof VERSIONS;

function summary(id: VersionId, baseUrl: string) {
  const v = VERSIONS[id];
  return { id: v.id, status: v.status, version: v.version, min_version: v.min_version, updated: v.updated, links: [{ rel: 'self', href: `${baseUrl}/${v.path}/` }] };
}

/** `GET /`: every version, v2.0 then v2.1 (Nova's build_versions sorts them by id). */
export function versionsDocument(baseUrl: string) {
  return { versions: [summary('v2.0', baseUrl), summary('v2.1', baseUrl)] };
}

/** `GET /v2` or `GET /v2.1`: that version's document (its self link `selfHref`, by default the version's root). */
export function versionDocument(id: VersionId, baseUrl: string, selfHref = `${baseUrl}/${VERSIONS[id].path}/`) {
  const v = VERSIONS[id];
  return {
    version: {
      ...summary(id, baseUrl),
      links: [{ rel: 'self', href: selfHref }, DESCRIBED_BY],
      'media-types': [{ base: 'application/json', type: v.mediaType }],
    },
  };
}

/** Is `id` a version Nova describes (v2.0, v2.1)? */
export const isVersionId = (id: string): id is VersionId => Object.hasOwn(VERSIONS, id);

/** `GET /v2.1`: the v2.1 version document with its microversion range. */
export function v21Document(baseUrl: string) {
  return versionDocument('v2.1', baseUrl);
}
