/**
 * Tokens: 32 random bytes (base64url) handed to the client once; the
 * database keeps only their sha256, with the user, project, effective roles
 * at issue time, expiry and a revoked flag. Expired or revoked tokens, and
 * tokens whose user or project was disabled or deleted, do not validate.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IdentityDb } from './db/index.ts';
import type { Domain, Project } from './db/projects.ts';
import type { User } from './db/users.ts';

/** A valid token, resolved: what the token body and the policy checks need. */
export interface TokenData {
  /** The token id itself (the X-Subject-Token / X-Auth-Token value). */
  readonly id: string;
  readonly user: User;
  readonly userDomain: Domain;
  readonly project: Project | null;
  readonly projectDomain: Domain | null;
  readonly roles: readonly { id: string; name: string }[];
  readonly methods: readonly string[];
  readonly auditIds: readonly string[];
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** How long after expiry a token still validates with ?allow_expired (Keystone's [token] allow_expired_window). */
const ALLOW_EXPIRED_WINDOW_MS = 48 * 3600 * 1000;

/** The stored key of a token id. */
export function tokenHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** A Keystone audit id: 16 random bytes, base64url without padding. */
function auditId(): string {
  return randomBytes(16).toString('base64url');
}

/** Issues, validates and revokes tokens. */
export class TokenProvider {
  constructor(
    private readonly db: IdentityDb,
    /** [token] expiration, in seconds. */
    private readonly expirationSec: number,
  ) {}

  /** The effective roles (implied ones included) of a user on a project, by name. */
  async effectiveRoles(userId: string, projectId: string): Promise<{ id: string; name: string }[]> {
    const direct = (await this.db.assignments.list({ user_id: userId, project_id: projectId })).map((a) => a.role_id);
    if (direct.length === 0) return [];
    const ids = await this.db.roles.expand(direct);
    return (await this.db.roles.list({ ids })).map((r) => ({ id: r.id, name: r.name }));
  }

  /**
   * Issue a token for a user, scoped to a project or unscoped. `expiresAt`
   * (rescoping keeps the original expiry) and `parentAuditId` (the audit
   * chain) come from the token a rescoped token is made from.
   */
  async issue(opts: {
    user: User;
    userDomain: Domain;
    project: Project | null;
    projectDomain: Domain | null;
    roles: { id: string; name: string }[];
    methods: string[];
    expiresAt?: Date;
    parentAuditId?: string;
  }): Promise<TokenData> {
    const id = randomBytes(32).toString('base64url');
    const issuedAt = new Date();
    // Whole seconds, as Keystone's (Fernet) expiry.
    const expiresAt = opts.expiresAt ?? new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + this.expirationSec * 1000);
    const auditIds = opts.parentAuditId ? [auditId(), opts.parentAuditId] : [auditId()];
    await this.db.tokens.insert(tokenHash(id), {
      user_id: opts.user.id,
      project_id: opts.project?.id ?? null,
      roles: opts.roles,
      methods: opts.methods,
      audit_ids: auditIds,
      issued_at: issuedAt,
      expires_at: expiresAt,
    });
    return {
      id,
      user: opts.user,
      userDomain: opts.userDomain,
      project: opts.project,
      projectDomain: opts.projectDomain,
      roles: opts.roles,
      methods: opts.methods,
      auditIds,
      issuedAt,
      expiresAt,
    };
  }

  /**
   * The token's data, or null when it is unknown, revoked, expired (unless
   * `allowExpired`, within 48 hours) or its user, project or their domains
   * are disabled or gone.
   */
  async validate(id: string, opts: { allowExpired?: boolean } = {}): Promise<TokenData | null> {
    if (id === '' || id.length > 1024) return null;
    const rec = await this.db.tokens.get(tokenHash(id));
    if (!rec || rec.revoked) return null;
    const now = Date.now();
    const expiry = rec.expires_at.getTime();
    if (expiry <= now && !(opts.allowExpired && expiry + ALLOW_EXPIRED_WINDOW_MS > now)) return null;
    const user = await this.db.users.get(rec.user_id);
    if (!user?.enabled) return null;
    const userDomain = await this.db.domains.get(user.domain_id);
    if (!userDomain?.enabled) return null;
    let project: Project | null = null;
    let projectDomain: Domain | null = null;
    if (rec.project_id !== null) {
      project = (await this.db.projects.get(rec.project_id)) ?? null;
      if (!project?.enabled) return null;
      projectDomain = (await this.db.domains.get(project.domain_id)) ?? null;
      if (!projectDomain?.enabled) return null;
    }
    return {
      id,
      user,
      userDomain,
      project,
      projectDomain,
      roles: rec.roles,
      methods: rec.methods,
      auditIds: rec.audit_ids,
      issuedAt: rec.issued_at,
      expiresAt: rec.expires_at,
    };
  }

  async revoke(id: string): Promise<void> {
    await this.db.tokens.revoke(tokenHash(id));
  }

  /** Forget tokens expired for more than the allow_expired window. */
  async purgeExpired(): Promise<number> {
    return this.db.tokens.purgeExpired(new Date(Date.now() - ALLOW_EXPIRED_WINDOW_MS));
  }
}
