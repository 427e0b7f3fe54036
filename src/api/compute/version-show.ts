/**
 * GET /versions/{id} under /v2.1 (Nova's versionsV21.VersionsController.show,
 * which also serves GET /v2.1/): the document of version v2.0 or v2.1,
 * authenticated like any /v2.1 route, no policy, the query not checked. As
 * Nova's build_version, the self link is the endpoint the request came in on
 * (…/v2.1/, whichever version is asked for); on the legacy v2 endpoint the
 * document is always v2.0's (self …/v2/). Any other id: 404.
 */
import { notFound } from '../errors.ts';
import { type ApiResponse, ok, type Route, route } from '../types.ts';
import { isVersionId, versionDocument } from '../versions.ts';

/** GET /versions/{id}. */
export function versionShowRoutes(): Route[] {
  return [
    route({
      method: 'GET',
      path: '/versions/:id',
      handler: async (req): Promise<ApiResponse> => {
        const id = req.legacyV2 ? 'v2.0' : req.params.id;
        if (!isVersionId(id)) throw notFound('The resource could not be found.');
        return ok(versionDocument(id, req.baseUrl, `${req.baseUrl}/${req.legacyV2 ? 'v2' : 'v2.1'}/`));
      },
    }),
  ];
}
