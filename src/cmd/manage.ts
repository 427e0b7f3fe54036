import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { renderTable } from '../cli/table.ts';
import { renderClientConfig } from '../clients/clouds-yaml.ts';
import type { NovaConfig } from '../conf/loader.ts';
import { sampleConfig, showConfig } from '../conf/show.ts';
import { DbApi } from '../db/api/index.ts';
import { openDatabase } from '../db/connection.ts';
import { LATEST_SCHEMA_VERSION, schemaVersion, syncSchema } from '../db/migrate.ts';
import { bootstrapCommand, defaultEndpointUrls } from '../identity/bootstrap.ts';
import { requireCurrentIdentitySchema, syncIdentitySchema } from '../identity/db/migrate.ts';
import { syncImageSchema } from '../image/db/migrate.ts';
import { syncNetworkSchema } from '../network/db/migrate.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import { syncVolumeSchema } from '../volume/db/migrate.ts';
import { fail, setup } from './common.ts';

/** openrc and clouds.yaml for the bootstrapped admin, as the all-in-one writes them (mode 0600); returns the lines to print. */
function writeClientConfig(conf: NovaConfig, opts: Parameters<typeof bootstrapCommand>[2], dir: string): string {
  const password = opts.bootstrapPassword ?? process.env.OS_BOOTSTRAP_PASSWORD ?? '';
  const urls = defaultEndpointUrls(conf.DEFAULT.my_ip, { identity: conf.identity.listen_port });
  const publicIdentity = conf.identity.public_url ? `${conf.identity.public_url.replace(/\/+$/, '')}/v3` : urls.identityUrl;
  const client = renderClientConfig({
    authUrl: opts.identityUrl ?? publicIdentity,
    username: opts.bootstrapUsername ?? 'admin',
    password,
    projectName: opts.bootstrapProjectName ?? 'admin',
    regionName: opts.regionId ?? 'RegionOne',
    cloudName: 'nova-ts',
  });
  fs.mkdirSync(dir, { recursive: true });
  const openrc = path.join(dir, 'openrc');
  const clouds = path.join(dir, 'clouds.yaml');
  fs.writeFileSync(openrc, client.openrc, { mode: 0o600 });
  fs.writeFileSync(clouds, client.cloudsYaml, { mode: 0o600 });
  return `wrote ${openrc} and ${clouds}: source ${openrc}   or   export OS_CLIENT_CONFIG_FILE=${clouds} OS_CLOUD=nova-ts\n`;
}

function isoTime(s: string | null): string | null {
  return s ? s.replace(' ', 'T') : null;
}

const program = new Command('nova-manage')
  .description('Administer the nova compute service: schema, services, configuration.')
  .option('--config-file <path>', 'nova.conf to read (repeatable, later wins)')
  .option('--config-dir <dir>', 'read every *.conf in this directory')
  .showHelpAfterError();

let env: ReturnType<typeof setup> | null = null;
function loadEnv(): ReturnType<typeof setup> {
  env ??= setup('nova-manage');
  return env;
}

async function withDb<T>(fn: (db: DbApi) => Promise<T>, create = false): Promise<T> {
  const { conf, log } = loadEnv();
  const db = await openDatabase(conf.database.connection, { log, createDatabase: create, maxRetries: 0 });
  try {
    return await fn(new DbApi(db));
  } finally {
    await db.close();
  }
}

const dbCmd = program.command('db').description('Database schema.');
dbCmd
  .command('sync')
  .description('Create or upgrade the schema to the latest version (idempotent); seeds the default flavors.')
  .action(async () => {
    const v = await withDb(async (db) => {
      const version = await syncSchema(db.db);
      await syncIdentitySchema(db.db);
      await syncImageSchema(db.db);
      await syncNetworkSchema(db.db);
      await syncVolumeSchema(db.db);
      return version;
    }, true);
    process.stdout.write(`Database schema is at version ${v}\n`);
  });
dbCmd
  .command('version')
  .description('Print the schema version of the database.')
  .action(async () => {
    const v = await withDb((db) => schemaVersion(db.db));
    process.stdout.write(`${v}\n`);
    if (v < LATEST_SCHEMA_VERSION) process.stderr.write(`(this code expects ${LATEST_SCHEMA_VERSION}: run nova-manage db sync)\n`);
  });

const svc = program.command('service').description('Services (daemons) in the services table.');
svc
  .command('list')
  .description("List services, as nova's service-list: status from the disabled flag, state from heartbeats.")
  .option('--host <host>', 'only this host')
  .option('--binary <binary>', 'only this binary')
  .action(async (opts: { host?: string; binary?: string }) => {
    const { conf } = loadEnv();
    const services = await withDb((db) => db.services.list({ host: opts.host, binary: opts.binary }));
    const now = new Date();
    const rows = services.map((s) => [
      s.id,
      s.binary,
      s.host,
      s.binary === 'nova-compute' ? conf.DEFAULT.default_availability_zone : conf.DEFAULT.internal_service_availability_zone,
      s.disabled ? 'disabled' : 'enabled',
      serviceIsUp(s, conf.DEFAULT.service_down_time, now) ? 'up' : 'down',
      isoTime(s.updated_at),
      s.disabled_reason ?? '-',
      s.forced_down ? 'True' : 'False',
    ]);
    process.stdout.write(`${renderTable(['Id', 'Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At', 'Disabled Reason', 'Forced down'], rows)}\n`);
  });
svc
  .command('delete <id>')
  .description('Delete a service record (soft delete).')
  .action(async (id: string) => {
    await withDb((db) => db.services.destroy(Number(id)));
    process.stdout.write(`Service ${id} deleted\n`);
  });

const certCmd = program.command('cert').description('The CA of nova-cert (under state_path).');
certCmd
  .command('issue-server')
  .description('Issue a TLS server certificate and key signed by the CA, for [wsgi] ssl_cert_file or [DEFAULT] cert.')
  .requiredOption('--common-name <name>', 'the host name clients use')
  .option('--alt-name <name...>', 'more names or IP addresses the certificate covers')
  .requiredOption('--cert-file <path>', 'where to write the certificate (PEM)')
  .requiredOption('--key-file <path>', 'where to write the private key (PEM, mode 0600)')
  .action(async (o: { commonName: string; altName?: string[]; certFile: string; keyFile: string }) => {
    const { conf } = loadEnv();
    const { CertificateAuthority, caPaths } = await import('../cert/ca.ts');
    const ca = await CertificateAuthority.open(conf.DEFAULT.state_path);
    const issued = await ca.issueServer(o.commonName, o.altName ?? []);
    fs.writeFileSync(o.certFile, issued.certificate);
    fs.writeFileSync(o.keyFile, issued.private_key, { mode: 0o600 });
    process.stdout.write(`Issued ${o.certFile} (CN=${o.commonName}) signed by ${caPaths(conf.DEFAULT.state_path).cert}\n`);
  });

const cfg = program.command('config').description('Configuration.');
cfg
  .command('show')
  .description('Print the effective configuration (defaults, files, environment), secrets masked.')
  .action(() => {
    const { conf } = loadEnv();
    process.stdout.write(showConfig(conf));
  });
cfg
  .command('sample')
  .description('Print a commented nova.conf with every option, its type, default and help.')
  .action(() => {
    process.stdout.write(sampleConfig());
  });

program
  .command('bootstrap')
  .description('Create or update (idempotent) the default domain, roles, admin user and project, service users nova, glance, neutron and cinder, and the catalog.')
  .option('--bootstrap-password <password>', 'password of the admin user (or OS_BOOTSTRAP_PASSWORD)')
  .option('--bootstrap-username <name>', 'the admin user', 'admin')
  .option('--bootstrap-project-name <name>', 'the admin project', 'admin')
  .option('--service-password <password>', 'password of the service users nova, glance, neutron and cinder (default: the bootstrap password)')
  .option('--region-id <region>', 'the region of the endpoints', 'RegionOne')
  .option('--compute-url <url>', 'compute endpoint (default http://<my_ip>:8774/v2.1)')
  .option('--identity-url <url>', 'identity endpoint (default [identity] public_url/v3 or http://<my_ip>:5000/v3)')
  .option('--image-url <url>', 'image endpoint (default http://<my_ip>:9292)')
  .option('--network-url <url>', 'network endpoint, e.g. http://<my_ip>:9696 (default: none; the catalog gets a network service only with this)')
  .option('--volume-url <url>', 'volume endpoint, e.g. http://<my_ip>:8776/v3 (default: none; the catalog gets volumev3 and block-storage services only with this)')
  .option('--client-config-dir <dir>', 'where to write openrc and clouds.yaml for the admin user (default: [DEFAULT] state_path)')
  .action(async (opts: Parameters<typeof bootstrapCommand>[2] & { clientConfigDir?: string }) => {
    const { conf } = loadEnv();
    const out = await withDb(async (db) => {
      await requireCurrentIdentitySchema(db.db);
      return bootstrapCommand(conf, db.db, opts);
    });
    process.stdout.write(out);
    process.stdout.write(writeClientConfig(conf, opts, opts.clientConfigDir ?? conf.DEFAULT.state_path));
  });

program.parseAsync(process.argv).catch((e: unknown) => fail('nova-manage', e));
