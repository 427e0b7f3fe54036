/**
 * `nova-manage bootstrap` (keystone-manage bootstrap): the default domain,
 * the roles admin ⊃ member ⊃ reader, the admin user and project with the
 * admin role, the service project with the service users nova, glance,
 * neutron and cinder, and the catalog (compute, identity, image, network, volumev3 and
 * block-storage; public, internal and admin
 * endpoints in one region). Idempotent: what exists is kept; passwords and
 * endpoint URLs are brought to the given values.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { NovaError } from '../exception/base.ts';
import type { Endpoint } from './db/catalog.ts';
import { IdentityDb } from './db/index.ts';
import type { Project } from './db/projects.ts';
import type { Role } from './db/roles.ts';
import type { User } from './db/users.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { DEFAULT_DOMAIN_ID } from './projects.ts';

/** What {@link bootstrapIdentity} creates: the admin credentials, names and endpoint URLs. */
export interface BootstrapOptions {
  /** The admin user's password. */
  adminPassword: string;
  adminUsername?: string;
  adminProjectName?: string;
  serviceProjectName?: string;
  /** Password of the service users nova, glance, neutron and cinder; default the admin password. */
  servicePassword?: string;
  regionId?: string;
  /** Endpoint URLs (the same for public, internal and admin). */
  computeUrl: string;
  identityUrl: string;
  imageUrl: string;
  /** The network endpoint; without one the catalog has no network service. */
  networkUrl?: string;
  /** The volume endpoint (…:8776/v3), registered as volumev3 and block-storage; without one the catalog has no volume service. */
  volumeUrl?: string;
}

/** The ids bootstrap made or found, and what it changed. */
export interface BootstrapResult {
  adminUserId: string;
  adminProjectId: string;
  serviceProjectId: string;
  /** What this run created or changed, one line each ("created user admin"…); empty when all was in place. */
  changes: string[];
}

/** The catalog entries bootstrap makes: type, name, description. */
const SERVICES = [
  { type: 'compute', name: 'nova', description: 'OpenStack Compute', url: 'computeUrl' },
  { type: 'identity', name: 'keystone', description: 'OpenStack Identity', url: 'identityUrl' },
  { type: 'image', name: 'glance', description: 'OpenStack Image', url: 'imageUrl' },
  { type: 'network', name: 'neutron', description: 'OpenStack Networking', url: 'networkUrl' },
  { type: 'volumev3', name: 'cinderv3', description: 'OpenStack Block Storage (v3)', url: 'volumeUrl' },
  { type: 'block-storage', name: 'cinder', description: 'OpenStack Block Storage', url: 'volumeUrl' },
] as const;
const INTERFACES: readonly Endpoint['interface'][] = ['public', 'internal', 'admin'];

/** Create or update everything bootstrap is responsible for. */
export async function bootstrapIdentity(db: Db, opts: BootstrapOptions): Promise<BootstrapResult> {
  const idb = new IdentityDb(db);
  const changes: string[] = [];
  const note = (s: string) => changes.push(s);

  if (!(await idb.domains.get(DEFAULT_DOMAIN_ID))) {
    await idb.domains.create({ id: DEFAULT_DOMAIN_ID, name: 'Default', description: 'The default domain', enabled: true });
    note('created domain Default');
  }

  const role = async (name: string): Promise<Role> => {
    const existing = await idb.roles.byName(name);
    if (existing) return existing;
    note(`created role ${name}`);
    return idb.roles.create({ name });
  };
  const admin = await role('admin');
  const member = await role('member');
  const reader = await role('reader');
  await idb.roles.addImplied(admin.id, member.id);
  await idb.roles.addImplied(member.id, reader.id);

  const project = async (name: string, description: string): Promise<Project> => {
    const existing = await idb.projects.byName(name, DEFAULT_DOMAIN_ID);
    if (existing) return existing;
    note(`created project ${name}`);
    return idb.projects.create({ name, domain_id: DEFAULT_DOMAIN_ID, description, enabled: true, parent_id: null, tags: [] });
  };
  const adminProject = await project(opts.adminProjectName ?? 'admin', 'Bootstrap project for initializing the cloud.');
  const serviceProject = await project(opts.serviceProjectName ?? 'service', 'The project of the service users.');

  const user = async (name: string, password: string, defaultProject: Project): Promise<User> => {
    const existing = await idb.users.byName(name, DEFAULT_DOMAIN_ID);
    if (!existing) {
      note(`created user ${name}`);
      return idb.users.create({ name, domain_id: DEFAULT_DOMAIN_ID, enabled: true, default_project_id: defaultProject.id, extra: {}, password_hash: await hashPassword(password) });
    }
    if (!(await verifyPassword(password, await idb.users.passwordHash(existing.id)))) {
      await idb.users.update(existing.id, { password_hash: await hashPassword(password) });
      await idb.tokens.revokeFor({ user_id: existing.id });
      note(`reset the password of user ${name}`);
    }
    if (!existing.enabled) {
      await idb.users.update(existing.id, { enabled: true });
      note(`enabled user ${name}`);
    }
    return existing;
  };
  const grant = async (u: User, p: Project) => {
    const a = { user_id: u.id, project_id: p.id, role_id: admin.id };
    if (await idb.assignments.exists(a)) return;
    await idb.assignments.add(a);
    note(`granted admin to ${u.name} on project ${p.name}`);
  };
  const adminUser = await user(opts.adminUsername ?? 'admin', opts.adminPassword, adminProject);
  await grant(adminUser, adminProject);
  for (const name of ['nova', 'glance', 'neutron', 'cinder']) await grant(await user(name, opts.servicePassword ?? opts.adminPassword, serviceProject), serviceProject);

  const region = opts.regionId ?? 'RegionOne';
  if (!(await idb.catalog.getRegion(region))) {
    await idb.catalog.ensureRegion(region, '');
    note(`created region ${region}`);
  }
  for (const s of SERVICES) {
    const url = opts[s.url];
    if (url === undefined) continue;
    let svc = (await idb.catalog.listServices({ type: s.type })).find((x) => x.name === s.name);
    if (!svc) {
      svc = await idb.catalog.createService({ type: s.type, name: s.name, description: s.description, enabled: true });
      note(`created service ${s.name} (${s.type})`);
    }
    for (const iface of INTERFACES) {
      const ep = (await idb.catalog.listEndpoints({ service_id: svc.id, interface: iface, region_id: region }))[0];
      if (!ep) {
        await idb.catalog.createEndpoint({ service_id: svc.id, interface: iface, region_id: region, url, enabled: true });
        note(`created ${iface} endpoint of ${s.name}: ${url}`);
      } else if (ep.url !== url || !ep.enabled) {
        await idb.catalog.updateEndpoint(ep.id, { url, enabled: true });
        note(`updated ${iface} endpoint of ${s.name}: ${url}`);
      }
    }
  }
  return { adminUserId: adminUser.id, adminProjectId: adminProject.id, serviceProjectId: serviceProject.id, changes };
}

/**
 * Has bootstrap run (the admin user exists in the default domain)? The
 * all-in-one bootstraps only then, so a generated password is not replaced
 * at every start.
 */
export async function isIdentityBootstrapped(db: Db, adminUsername = 'admin'): Promise<boolean> {
  return (await new IdentityDb(db).users.byName(adminUsername, DEFAULT_DOMAIN_ID)) !== undefined;
}

/** A random password (18 bytes, base64url: 24 characters) for a generated admin or service password. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The default endpoint URLs on this host: compute :8774/v2.1, identity :5000/v3, image :9292, network :9696, volume :8776/v3. */
export function defaultEndpointUrls(
  myIp: string,
  ports: { compute?: number; identity?: number; image?: number; network?: number; volume?: number } = {},
): { computeUrl: string; identityUrl: string; imageUrl: string; networkUrl: string; volumeUrl: string } {
  const host = myIp.includes(':') ? `[${myIp}]` : myIp;
  return {
    computeUrl: `http://${host}:${ports.compute || 8774}/v2.1`,
    identityUrl: `http://${host}:${ports.identity || 5000}/v3`,
    imageUrl: `http://${host}:${ports.image || 9292}`,
    networkUrl: `http://${host}:${ports.network || 9696}`,
    volumeUrl: `http://${host}:${ports.volume || 8776}/v3`,
  };
}

/** The options of `nova-manage bootstrap`, as commander parses them. */
export interface BootstrapCliOptions {
  bootstrapPassword?: string;
  bootstrapUsername?: string;
  bootstrapProjectName?: string;
  servicePassword?: string;
  regionId?: string;
  computeUrl?: string;
  identityUrl?: string;
  imageUrl?: string;
  networkUrl?: string;
  volumeUrl?: string;
}

/**
 * `nova-manage bootstrap`: fill in defaults from nova.conf (URLs on
 * [DEFAULT] my_ip; [identity] public_url when set), run
 * {@link bootstrapIdentity} and return the report to print (never a password).
 * The password may come from OS_BOOTSTRAP_PASSWORD instead of the command line.
 */
export async function bootstrapCommand(
  conf: { DEFAULT: { my_ip: string }; identity: { public_url: string | null; listen_port: number }; api: { osapi_compute_listen_port: number } },
  db: Db,
  opts: BootstrapCliOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  const password = opts.bootstrapPassword ?? env.OS_BOOTSTRAP_PASSWORD;
  if (!password) throw new NovaError('--bootstrap-password (or OS_BOOTSTRAP_PASSWORD) is required');
  const urls = defaultEndpointUrls(conf.DEFAULT.my_ip, { compute: conf.api.osapi_compute_listen_port, identity: conf.identity.listen_port });
  if (conf.identity.public_url) urls.identityUrl = `${conf.identity.public_url.replace(/\/+$/, '')}/v3`;
  const r = await bootstrapIdentity(db, {
    adminPassword: password,
    adminUsername: opts.bootstrapUsername,
    adminProjectName: opts.bootstrapProjectName,
    servicePassword: opts.servicePassword,
    regionId: opts.regionId,
    computeUrl: opts.computeUrl ?? urls.computeUrl,
    identityUrl: opts.identityUrl ?? urls.identityUrl,
    imageUrl: opts.imageUrl ?? urls.imageUrl,
    // The network service is optional: registered only when asked for (clients use every service in the catalog).
    networkUrl: opts.networkUrl,
    volumeUrl: opts.volumeUrl,
  });
  const lines = r.changes.length ? r.changes : ['identity already bootstrapped: nothing to change'];
  lines.push(`admin user ${opts.bootstrapUsername ?? 'admin'} (${r.adminUserId}), project ${opts.bootstrapProjectName ?? 'admin'} (${r.adminProjectId})`);
  return `${lines.join('\n')}\n`;
}
