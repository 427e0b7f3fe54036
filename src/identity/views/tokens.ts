import type { TokenData } from '../token-provider.ts';
import type { CatalogEntry } from './catalog.ts';
import { isoMicro } from './common.ts';

/**
 * A token body as Keystone renders it (render_token_response_from_model):
 * methods, user, audit_ids, expires_at, issued_at; for a project-scoped
 * token also project, is_domain, roles and (unless nocatalog) the catalog.
 */
export function tokenView(t: TokenData, catalog: CatalogEntry[] | null): { token: Record<string, unknown> } {
  const token: Record<string, unknown> = {
    methods: t.methods,
    user: {
      domain: { id: t.userDomain.id, name: t.userDomain.name },
      id: t.user.id,
      name: t.user.name,
      password_expires_at: null,
    },
    audit_ids: t.auditIds,
    expires_at: isoMicro(t.expiresAt),
    issued_at: isoMicro(t.issuedAt),
  };
  if (t.project && t.projectDomain) {
    token.project = { domain: { id: t.projectDomain.id, name: t.projectDomain.name }, id: t.project.id, name: t.project.name };
    token.is_domain = false;
    token.roles = t.roles.map((r) => ({ id: r.id, name: r.name }));
    if (catalog) token.catalog = catalog;
  }
  return { token };
}
