/**
 * The version document (glance.api.versions): `GET /` and any unknown
 * version answer 300 Multiple Choices, `GET /versions` 200, both with the
 * v2.x list Glance shows when it has neither an image cache nor multiple
 * stores configured.
 */

/** [version, status] in Glance's order. */
const VERSIONS: readonly (readonly [string, 'CURRENT' | 'SUPPORTED'])[] = [
  ['2.15', 'SUPPORTED'],
  ['2.9', 'SUPPORTED'],
  ['2.17', 'CURRENT'],
  ['2.7', 'SUPPORTED'],
  ['2.6', 'SUPPORTED'],
  ['2.5', 'SUPPORTED'],
  ['2.4', 'SUPPORTED'],
  ['2.3', 'SUPPORTED'],
  ['2.2', 'SUPPORTED'],
  ['2.1', 'SUPPORTED'],
  ['2.0', 'SUPPORTED'],
];

/** URL path prefixes Glance's version negotiation maps to the v2 API. */
export const V2_ALIASES: ReadonlySet<string> = new Set(['v2', ...VERSIONS.map(([v]) => `v${v}`)]);

/** `{"versions": [{"id": "v2.17", "status": "CURRENT", "links": [{"rel": "self", "href": "<base>/v2/"}]}, …]}` */
export function versionsDocument(baseUrl: string): { versions: { id: string; status: string; links: { rel: string; href: string }[] }[] } {
  const href = `${baseUrl.replace(/\/+$/, '')}/v2/`;
  return { versions: VERSIONS.map(([v, status]) => ({ id: `v${v}`, status, links: [{ rel: 'self', href }] })) };
}
