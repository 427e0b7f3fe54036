import type { ColumnType, Kysely } from 'kysely';
import type { Db } from '../../db/connection.ts';

/**
 * Row types of the identity tables, as Kysely sees them. They live in the
 * same database as Nova's tables (prefix `identity_`). Datetimes are naive
 * UTC strings 'YYYY-MM-DD HH:MM:SS.ffffff' (dbTime); booleans are written as
 * 0/1 (SQLite binds no booleans).
 */
type Timestamp = string;
type Bool = ColumnType<number, number | undefined, number>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** Keystone's marker for "no domain" in unique keys (global roles). */
export const NULL_DOMAIN_ID = '<<null>>';

/** identity_domains: domains. */
export interface DomainsTable {
  id: string;
  name: string;
  description: Defaulted<string | null>;
  enabled: Bool;
  created_at: Defaulted<Timestamp | null>;
}

/** identity_projects: projects (unique name per domain). */
export interface ProjectsTable {
  id: string;
  name: string;
  domain_id: string;
  description: Defaulted<string | null>;
  enabled: Bool;
  parent_id: Defaulted<string | null>;
  /** JSON array of strings. */
  tags: Defaulted<string>;
  created_at: Defaulted<Timestamp | null>;
}

/** identity_users: users (unique name per domain). */
export interface UsersTable {
  id: string;
  name: string;
  domain_id: string;
  enabled: Bool;
  /** scrypt$N$r$p$salt$hash (password.ts); null: the user cannot authenticate with a password. */
  password_hash: Defaulted<string | null>;
  default_project_id: Defaulted<string | null>;
  /** JSON object of extra attributes (email, description…), as Keystone's `extra`. */
  extra: Defaulted<string>;
  created_at: Defaulted<Timestamp | null>;
}

/** identity_roles: roles (unique name per domain; global roles use NULL_DOMAIN_ID). */
export interface RolesTable {
  id: string;
  name: string;
  /** NULL_DOMAIN_ID for global roles. */
  domain_id: Defaulted<string>;
  description: Defaulted<string | null>;
  created_at: Defaulted<Timestamp | null>;
}

/** identity_implied_roles: prior role implies role. */
export interface ImpliedRolesTable {
  prior_role_id: string;
  implied_role_id: string;
}

/** A role of a user on a project (Keystone's assignment table, type UserProject). */
export interface AssignmentsTable {
  actor_id: string;
  target_id: string;
  role_id: string;
}

/** identity_tokens: issued tokens, by hash. */
export interface TokensTable {
  /** sha256 hex of the token id; the token itself is never stored. */
  id_hash: string;
  user_id: string;
  project_id: string | null;
  /** JSON [{id, name}]: the effective roles at issue time. */
  roles: Defaulted<string>;
  /** JSON ["password"…]. */
  methods: string;
  /** JSON [audit_id, parent audit_id?]. */
  audit_ids: string;
  issued_at: Timestamp;
  expires_at: Timestamp;
  revoked: Bool;
}

/** identity_services: catalog services. */
export interface ServicesTable {
  id: string;
  type: string;
  name: Defaulted<string | null>;
  description: Defaulted<string | null>;
  enabled: Bool;
  created_at: Defaulted<Timestamp | null>;
}

/** identity_endpoints: catalog endpoints. */
export interface EndpointsTable {
  id: string;
  service_id: string;
  interface: string;
  region_id: Defaulted<string | null>;
  url: string;
  enabled: Bool;
  created_at: Defaulted<Timestamp | null>;
}

/** identity_regions: regions. */
export interface RegionsTable {
  id: string;
  description: Defaulted<string | null>;
  parent_region_id: Defaulted<string | null>;
}

/** Every identity table (a type alias, not an interface: Kysely's withTables wants an indexable record type). */
export type IdentityDatabase = {
  identity_domains: DomainsTable;
  identity_projects: ProjectsTable;
  identity_users: UsersTable;
  identity_roles: RolesTable;
  identity_implied_roles: ImpliedRolesTable;
  identity_assignments: AssignmentsTable;
  identity_tokens: TokensTable;
  identity_services: ServicesTable;
  identity_endpoints: EndpointsTable;
  identity_regions: RegionsTable;
};

/** The query builder over the identity tables. */
export type IdentityKysely = Kysely<IdentityDatabase>;

/** The identity tables' query builder over a Nova database connection (same connection, other tables). */
export function identityKysely(db: Db): IdentityKysely {
  return db.kysely.withTables<IdentityDatabase>();
}
