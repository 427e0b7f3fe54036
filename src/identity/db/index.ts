import type { Db } from '../../db/connection.ts';
import { CatalogRepository } from './catalog.ts';
import { DomainRepository, ProjectRepository } from './projects.ts';
import { AssignmentRepository, RoleRepository } from './roles.ts';
import { identityKysely } from './tables.ts';
import { TokenRepository } from './tokens.ts';
import { UserRepository } from './users.ts';

/** Every identity repository over one database connection (the same one Nova uses by default). */
export class IdentityDb {
  readonly domains: DomainRepository;
  readonly projects: ProjectRepository;
  readonly users: UserRepository;
  readonly roles: RoleRepository;
  readonly assignments: AssignmentRepository;
  readonly tokens: TokenRepository;
  readonly catalog: CatalogRepository;

  constructor(readonly db: Db) {
    const k = identityKysely(db);
    this.domains = new DomainRepository(k);
    this.projects = new ProjectRepository(k);
    this.users = new UserRepository(k);
    this.roles = new RoleRepository(k);
    this.assignments = new AssignmentRepository(k);
    this.tokens = new TokenRepository(k);
    this.catalog = new CatalogRepository(k);
  }
}
