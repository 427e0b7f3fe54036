/**
 * POST /v3/auth/tokens: the password and token methods, then the scope
 * (a project by id or by name and domain; unscoped; or the user's default
 * project when no scope is given). Every failure to authenticate is the same
 * 401, whatever the cause, as Keystone's.
 */
import type { Static } from 'typebox';
import type { IdentityDb } from './db/index.ts';
import type { Domain, Project } from './db/projects.ts';
import type { User } from './db/users.ts';
import { badRequest, unauthorized } from './errors.ts';
import { verifyPassword } from './password.ts';
import { authRequest } from './schemas/auth.ts';
import { validateBody } from './schemas/validate.ts';
import type { TokenData, TokenProvider } from './token-provider.ts';

type AuthBody = Static<typeof authRequest>['auth'];
type Ref = { id?: string; name?: string };

const expecting = (attribute: string, target: string) =>
  badRequest(
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );

async function domainOf(db: IdentityDb, ref: Ref | undefined, target: string): Promise<Domain | undefined> {
  if (ref?.id !== undefined) return db.domains.get(ref.id);
  if (ref?.name !== undefined) return db.domains.byName(ref.name);
  throw expecting('domain', target);
}

/** The password method: the user, or 401. */
async function passwordUser(db: IdentityDb, identity: AuthBody['identity']): Promise<User> {
  const u = identity.password?.user;
  if (!u) throw expecting('password', 'identity');
  let user: User | undefined;
  if (u.id !== undefined) user = await db.users.get(u.id);
  else if (u.name !== undefined) {
    const domain = await domainOf(db, u.domain, 'user');
    if (domain?.enabled) user = await db.users.byName(u.name, domain.id);
  } else throw expecting('id or name', 'user');
  const ok = await verifyPassword(u.password, user ? await db.users.passwordHash(user.id) : null);
  if (!user || !ok || !user.enabled) throw unauthorized();
  return user;
}

/** The project a scope names, or 401 when it does not exist or is disabled. */
async function scopeProject(db: IdentityDb, ref: Ref & { domain?: Ref }): Promise<Project> {
  let project: Project | undefined;
  if (ref.id !== undefined) project = await db.projects.get(ref.id);
  else if (ref.name !== undefined) {
    const domain = await domainOf(db, ref.domain, 'project');
    if (domain) project = await db.projects.byName(ref.name, domain.id);
  } else throw expecting('project id or name', 'project');
  if (!project?.enabled) throw unauthorized();
  return project;
}

/** Authenticate a POST /v3/auth/tokens body and issue the token. */
export async function authenticate(db: IdentityDb, tokens: TokenProvider, body: unknown): Promise<TokenData> {
  const { auth } = validateBody(authRequest, body);
  const methods = [...new Set(auth.identity.methods)];
  for (const m of methods) {
    if (m !== 'password' && m !== 'token') throw unauthorized();
  }
  let user: User | undefined;
  let prior: TokenData | null = null;
  if (methods.includes('token')) {
    const id = auth.identity.token?.id;
    if (id === undefined) throw expecting('token', 'identity');
    prior = await tokens.validate(id);
    if (!prior) throw unauthorized();
    user = prior.user;
  }
  if (methods.includes('password')) {
    const pwUser = await passwordUser(db, auth.identity);
    if (user && user.id !== pwUser.id) throw unauthorized();
    user = pwUser;
  }
  if (!user) throw unauthorized();
  const userDomain = await db.domains.get(user.domain_id);
  if (!userDomain?.enabled) throw unauthorized();

  let project: Project | null = null;
  const scope = auth.scope;
  if (scope !== undefined && scope !== 'unscoped') {
    const kinds = (['project', 'domain', 'system', 'OS-TRUST:trust'] as const).filter((k) => scope[k] !== undefined);
    if (kinds.length > 1) throw badRequest('Specify at most one of project, domain or system as the scope.');
    // Domain, system and trust scopes need assignments this service does not keep: nobody has access.
    if (kinds.length === 1 && kinds[0] !== 'project') throw unauthorized();
    if (scope.project) project = await scopeProject(db, scope.project);
  } else if (scope === undefined && user.default_project_id) {
    // No scope: Keystone scopes to the default project when the user has a role there.
    const p = await db.projects.get(user.default_project_id);
    if (p?.enabled && (await tokens.effectiveRoles(user.id, p.id)).length > 0) project = p;
  }

  let projectDomain: Domain | null = null;
  let roles: { id: string; name: string }[] = [];
  if (project) {
    projectDomain = (await db.domains.get(project.domain_id)) ?? null;
    if (!projectDomain?.enabled) throw unauthorized();
    roles = await tokens.effectiveRoles(user.id, project.id);
    if (roles.length === 0) throw unauthorized();
  }
  const allMethods = [...new Set([...methods, ...(prior?.methods ?? [])])];
  return tokens.issue({
    user,
    userDomain,
    project,
    projectDomain,
    roles,
    methods: allMethods,
    expiresAt: prior?.expiresAt,
    parentAuditId: prior?.auditIds.at(-1),
  });
}
