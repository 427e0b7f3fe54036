/**
 * /v3/auth: issue (POST), validate (GET, HEAD), revoke (DELETE) tokens;
 * the projects, domains and catalog the caller's token gives access to.
 */
import { authenticate } from './authenticate.ts';
import type { IdentityDb } from './db/index.ts';
import { badRequest, HttpError } from './errors.ts';
import { enforce } from './policy.ts';
import type { TokenData } from './token-provider.ts';
import { callerOf, created, type IdentityDeps, type IdentityRequest, type IdentityRoute, noContent, ok, queryFlag, route } from './types.ts';
import { type CatalogEntry, catalogView } from './views/catalog.ts';
import { collection } from './views/common.ts';
import { projectView } from './views/resources.ts';
import { tokenView } from './views/tokens.ts';

/** The service catalog: every enabled service with its enabled endpoints. */
export async function loadCatalog(db: IdentityDb): Promise<CatalogEntry[]> {
  return catalogView(await db.catalog.listServices(), await db.catalog.listEndpoints());
}

/** The X-Subject-Token of a request as a valid token, or 404 as Keystone answers for an invalid subject. */
async function subjectToken(deps: IdentityDeps, req: IdentityRequest): Promise<TokenData> {
  const raw = req.headers['x-subject-token'];
  const id = Array.isArray(raw) ? raw[0] : raw;
  if (!id) throw badRequest('Expecting to find X-Subject-Token in request header.');
  const token = await deps.tokens.validate(id, { allowExpired: queryFlag(req.query.allow_expired) === true });
  if (!token) throw new HttpError(404, 'Failed to validate token');
  return token;
}

/** Admins, and the user a token belongs to, may validate or revoke it (token_subject). */
function enforceSubject(req: IdentityRequest, action: string, subject: TokenData): void {
  enforce(req, action, (caller) => caller.user.id === subject.user.id);
}

async function withCatalog(deps: IdentityDeps, req: IdentityRequest, t: TokenData): Promise<CatalogEntry[] | null> {
  return req.query.nocatalog === undefined && t.project ? loadCatalog(deps.db) : null;
}

/** The routes of /v3/auth. */
export function authTokenRoutes(deps: IdentityDeps): IdentityRoute[] {
  return [
    route({
      method: 'POST',
      path: '/v3/auth/tokens',
      public: true,
      async handler(req) {
        const token = await authenticate(deps.db, deps.tokens, req.body);
        deps.log.info({ user_id: token.user.id, project_id: token.project?.id ?? null, request_id: req.requestId }, 'token issued');
        return { ...created(tokenView(token, await withCatalog(deps, req, token))), headers: { 'X-Subject-Token': token.id } };
      },
    }),
    route({
      method: 'GET',
      path: '/v3/auth/tokens',
      async handler(req) {
        const subject = await subjectToken(deps, req);
        enforceSubject(req, 'validate_token', subject);
        return { ...ok(tokenView(subject, await withCatalog(deps, req, subject))), headers: { 'X-Subject-Token': subject.id } };
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/auth/tokens',
      async handler(req) {
        const subject = await subjectToken(deps, req);
        enforceSubject(req, 'revoke_token', subject);
        await deps.tokens.revoke(subject.id);
        return noContent();
      },
    }),
    route({
      method: 'GET',
      path: '/v3/auth/projects',
      async handler(req) {
        const caller = callerOf(req);
        const ids = [...new Set((await deps.db.assignments.list({ user_id: caller.user.id })).map((a) => a.project_id))];
        const projects = await deps.db.projects.list({ ids, enabled: true });
        return ok(
          collection(
            req.baseUrl,
            'auth/projects',
            'projects',
            projects.map((p) => projectView(p, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'GET',
      path: '/v3/auth/domains',
      async handler(req) {
        callerOf(req);
        return ok(collection(req.baseUrl, 'auth/domains', 'domains', []));
      },
    }),
    route({
      method: 'GET',
      path: '/v3/auth/catalog',
      async handler(req) {
        const caller = callerOf(req);
        if (!caller.project) throw new HttpError(403, 'A project-scoped token is required to produce a service catalog.');
        return ok({ catalog: await loadCatalog(deps.db), links: { self: `${req.baseUrl}/v3/auth/catalog`, previous: null, next: null } });
      },
    }),
  ];
}
