import type { ImageApiDeps, ImageRoute } from './http.ts';
import * as data from './image-data.ts';
import * as members from './image-members.ts';
import * as tags from './image-tags.ts';
import * as images from './images.ts';
import * as schemas from './schemas.ts';

/** The image API's route table (Glance v2 subset), one row per method and path. */
export function imageRoutes(deps: ImageApiDeps): ImageRoute[] {
  return [
    { method: 'GET', path: '/v2/images', handler: images.index(deps) },
    { method: 'POST', path: '/v2/images', handler: images.create(deps) },
    { method: 'GET', path: '/v2/images/:id', handler: images.show(deps) },
    { method: 'PATCH', path: '/v2/images/:id', handler: images.update(deps) },
    { method: 'DELETE', path: '/v2/images/:id', handler: images.remove(deps) },
    { method: 'PUT', path: '/v2/images/:id/file', handler: data.upload(deps) },
    { method: 'GET', path: '/v2/images/:id/file', handler: data.download(deps) },
    { method: 'PUT', path: '/v2/images/:id/tags/:tag', handler: tags.update(deps) },
    { method: 'DELETE', path: '/v2/images/:id/tags/:tag', handler: tags.remove(deps) },
    { method: 'GET', path: '/v2/images/:id/members', handler: members.index(deps) },
    { method: 'POST', path: '/v2/images/:id/members', handler: members.create(deps) },
    { method: 'GET', path: '/v2/images/:id/members/:member', handler: members.show(deps) },
    { method: 'PUT', path: '/v2/images/:id/members/:member', handler: members.update(deps) },
    { method: 'DELETE', path: '/v2/images/:id/members/:member', handler: members.remove(deps) },
    { method: 'GET', path: '/v2/schemas/image', handler: schemas.image },
    { method: 'GET', path: '/v2/schemas/images', handler: schemas.images },
    { method: 'GET', path: '/v2/schemas/member', handler: schemas.member },
    { method: 'GET', path: '/v2/schemas/members', handler: schemas.members },
  ];
}
