import { type ImageApiDeps, type ImageRoute, route } from './http.ts';
import * as data from './image-data.ts';
import * as members from './image-members.ts';
import * as tags from './image-tags.ts';
import * as images from './images.ts';
import * as schemas from './schemas.ts';

/** The image API's route table (Glance v2 subset), one row per method and path; writes name their Glance policy rule. */
export function imageRoutes(deps: ImageApiDeps): ImageRoute[] {
  return [
    route({ method: 'GET', path: '/v2/images', handler: images.index(deps) }),
    route({ method: 'POST', path: '/v2/images', policy: 'add_image', handler: images.create(deps) }),
    route({ method: 'GET', path: '/v2/images/:id', handler: images.show(deps) }),
    route({ method: 'PATCH', path: '/v2/images/:id', policy: 'modify_image', handler: images.update(deps) }),
    route({ method: 'DELETE', path: '/v2/images/:id', policy: 'delete_image', handler: images.remove(deps) }),
    route({ method: 'PUT', path: '/v2/images/:id/file', policy: 'upload_image', handler: data.upload(deps) }),
    route({ method: 'GET', path: '/v2/images/:id/file', handler: data.download(deps) }),
    route({ method: 'PUT', path: '/v2/images/:id/tags/:tag', policy: 'modify_image', handler: tags.update(deps) }),
    route({ method: 'DELETE', path: '/v2/images/:id/tags/:tag', policy: 'modify_image', handler: tags.remove(deps) }),
    route({ method: 'GET', path: '/v2/images/:id/members', handler: members.index(deps) }),
    route({ method: 'POST', path: '/v2/images/:id/members', policy: 'add_member', handler: members.create(deps) }),
    route({ method: 'GET', path: '/v2/images/:id/members/:member', handler: members.show(deps) }),
    route({ method: 'PUT', path: '/v2/images/:id/members/:member', policy: 'modify_member', handler: members.update(deps) }),
    route({ method: 'DELETE', path: '/v2/images/:id/members/:member', policy: 'delete_member', handler: members.remove(deps) }),
    route({ method: 'GET', path: '/v2/schemas/image', handler: schemas.image }),
    route({ method: 'GET', path: '/v2/schemas/images', handler: schemas.images }),
    route({ method: 'GET', path: '/v2/schemas/member', handler: schemas.member }),
    route({ method: 'GET', path: '/v2/schemas/members', handler: schemas.members }),
  ];
}
