import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import type { Db } from '../db/connection.ts';
import type { Logger } from '../log.ts';
import { buildIdentityApp } from './app.ts';
import { authTokenRoutes } from './auth-tokens.ts';
import { IdentityDb } from './db/index.ts';
import { domainRoutes } from './domains.ts';
import { projectRoutes } from './projects.ts';
import { roleAssignmentRoutes } from './role-assignments.ts';
import { roleRoutes } from './roles.ts';
import { catalogRoutes } from './services-endpoints.ts';
import { TokenProvider } from './token-provider.ts';
import type { IdentityDeps, IdentityRoute } from './types.ts';
import { userRoutes } from './users.ts';
import { versionRoutes } from './versions.ts';

/** The whole identity route table. */
export function identityRoutes(deps: IdentityDeps): IdentityRoute[] {
  return [
    ...versionRoutes(),
    ...authTokenRoutes(deps),
    ...projectRoutes(deps),
    ...userRoutes(deps),
    ...roleRoutes(deps),
    ...roleAssignmentRoutes(deps),
    ...domainRoutes(deps),
    ...catalogRoutes(deps),
  ];
}

/** The identity app over a database, wired from nova.conf ([token] expiration, [identity] public_url). */
export function createIdentityApp(conf: NovaConfig, db: Db, log: Logger): { app: FastifyInstance; tokens: TokenProvider; db: IdentityDb } {
  const idb = new IdentityDb(db);
  const tokens = new TokenProvider(idb, conf.token.expiration);
  const app = buildIdentityApp({ routes: identityRoutes({ db: idb, tokens, log }), tokens, log, publicUrl: conf.identity.public_url });
  return { app, tokens, db: idb };
}
