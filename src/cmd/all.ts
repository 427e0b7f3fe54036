import fs from 'node:fs';
import path from 'node:path';
import { renderClientConfig } from '../clients/clouds-yaml.ts';
import { configArgs, loadConfig } from '../conf/loader.ts';
import { bootstrapIdentity, defaultEndpointUrls, isIdentityBootstrapped } from '../identity/bootstrap.ts';
import { syncIdentitySchema } from '../identity/db/migrate.ts';
import { syncImageSchema } from '../image/db/migrate.ts';
import { syncNetworkSchema } from '../network/db/migrate.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { syncVolumeSchema } from '../volume/db/migrate.ts';
import { allInOneSecrets } from './all-in-one-secrets.ts';
import { authenticatorFromConfig } from './auth.ts';
import { main, setup } from './common.ts';
import { createDefaultNetwork } from './default-network.ts';
import { apiService } from './services/api.ts';
import { certService } from './services/cert.ts';
import { computeService } from './services/compute.ts';
import { conductorService } from './services/conductor.ts';
import { consoleProxyService } from './services/console-proxy.ts';
import { consoleauthService } from './services/consoleauth.ts';
import { identityService } from './services/identity.ts';
import { imageService } from './services/image.ts';
import { metadataService } from './services/metadata.ts';
import { networkService } from './services/network.ts';
import { schedulerService } from './services/scheduler.ts';
import { volumeService } from './services/volume.ts';
import { xvpVncProxyService } from './services/xvpvnc-proxy.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

/** The "running" banner: a rule above and below, bold on a terminal. */
function banner(lines: readonly string[], tty: boolean): string {
  const width = Math.min(100, Math.max(...lines.map((l) => l.length)));
  const rule = '='.repeat(width);
  const bold = (s: string) => (tty ? `\u001b[1m${s}\u001b[0m` : s);
  return `\n${rule}\n${bold(lines[0] ?? '')}\n${lines.slice(1).join('\n')}\n${rule}\n\n`;
}

interface Part {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The all-in-one: every nova daemon plus the identity, image, network and volume services and
 * the console proxies (noVNC and xvpvnc, serial and SPICE when enabled) in one process, on the embedded defaults (SQLite under
 * state_path and the in-process bus) unless nova.conf says otherwise. On
 * the first start it bootstraps the identity service and writes a
 * clouds.yaml and an openrc into state_path. Data survives restarts.
 */
main('nova-all', async () => {
  let { conf, log } = setup('nova-all', process.argv.slice(2), { prettyOnTty: true });
  const secrets = allInOneSecrets(conf.DEFAULT.state_path);
  const keystone = conf.api.auth_strategy === 'keystone';
  if (keystone && conf.keystone_authtoken.password === '') {
    // nova-api and nova-image validate tokens as the nova service user that bootstrap creates.
    const { files, dirs } = configArgs(process.argv.slice(2));
    const identity = { password: secrets.service_password, auth_url: `http://127.0.0.1:${conf.identity.listen_port}` };
    // nova reaches the network service as the neutron service user and the volume service as the cinder one, the network
    // service tells nova its events as the nova service user (bootstrap gives all the same password); their endpoints from the catalog.
    const overrides = {
      keystone_authtoken: identity,
      ...(conf.neutron.password === '' ? { neutron: identity } : {}),
      ...(conf.cinder.password === '' ? { cinder: identity } : {}),
      ...(conf.nova.password === '' ? { nova: identity } : {}),
    };
    conf = loadConfig({ files: files.length || dirs.length ? files : [], dirs, env: process.env, overrides });
  }
  const db = await connectDb(conf, log, { sync: true });
  await syncIdentitySchema(db.db);
  await syncImageSchema(db.db);
  await syncNetworkSchema(db.db);
  await syncVolumeSchema(db.db);

  const urls = defaultEndpointUrls(conf.DEFAULT.my_ip, {
    compute: conf.api.osapi_compute_listen_port,
    identity: conf.identity.listen_port,
    image: conf.glance_api.bind_port,
    network: conf.neutron_server.bind_port,
    volume: conf.volume_server.bind_port,
  });
  const firstStart = !(await isIdentityBootstrapped(db.db));
  if (firstStart) {
    const r = await bootstrapIdentity(db.db, { adminPassword: secrets.admin_password, servicePassword: secrets.service_password, regionId: 'RegionOne', ...urls });
    log.info({ changes: r.changes.length }, 'identity bootstrapped');
  }
  const creds = { authUrl: urls.identityUrl, username: 'admin', password: secrets.admin_password, projectName: 'admin', regionName: 'RegionOne', cloudName: 'nova-ts' };
  const client = renderClientConfig(creds);
  fs.writeFileSync(path.join(conf.DEFAULT.state_path, 'clouds.yaml'), client.cloudsYaml, { mode: 0o600 });
  fs.writeFileSync(path.join(conf.DEFAULT.state_path, 'openrc'), client.openrc, { mode: 0o600 });

  const transports: { close(): Promise<void> }[] = [];
  const t = () => {
    const tr = makeTransport(conf, log);
    transports.push(tr);
    return tr;
  };
  const child = (svc: string) => log.child({ svc });
  const api = apiService(conf, db, t(), child('nova-api'));
  const metadata = metadataService(conf, db, t(), child('nova-api-metadata'));
  const identity = identityService(conf, db, t(), child('nova-identity'));
  const image = imageService(conf, db, t(), child('nova-image'), authenticatorFromConfig(conf, child('nova-image')));
  const network = networkService(conf, db, t(), child('nova-network'), authenticatorFromConfig(conf, child('nova-network')));
  const volume = volumeService(conf, db, t(), child('nova-volume'), authenticatorFromConfig(conf, child('nova-volume')));
  const proxies: Part[] = [consoleProxyService('novnc', conf, t(), child('nova-novncproxy')), xvpVncProxyService(conf, t(), child('nova-xvpvncproxy'))];
  if (conf.serial_console.enabled) proxies.push(consoleProxyService('serial', conf, t(), child('nova-serialproxy')));
  if (conf.spice.enabled) proxies.push(consoleProxyService('spice', conf, t(), child('nova-spicehtml5proxy')));
  const parts: Part[] = [
    identity.service,
    image.service,
    network.service,
    volume.service,
    conductorService(conf, db, t(), child('nova-conductor')),
    schedulerService(conf, db, t(), child('nova-scheduler')),
    consoleauthService(conf, db, t(), child('nova-consoleauth')),
    certService(conf, db, t(), child('nova-cert')),
    await computeService(conf, t(), child('nova-compute')),
    api.service,
    metadata.service,
    ...proxies,
  ];
  const running: { stop(): Promise<void> }[] = [{ stop: () => db.db.close() }, { stop: async () => void (await Promise.all(transports.map((x) => x.close()))) }];
  for (const p of parts) {
    await p.start();
    running.push(p);
  }
  stopOnSignal(running, log);
  if (firstStart) await createDefaultNetwork(conf, log);
  const aio = path.join(conf.DEFAULT.state_path, 'openrc');
  const lines = [
    'nova all-in-one is running.',
    `  Compute API:   ${api.manager.url}/v2.1`,
    `  Metadata API:  ${metadata.manager.url}`,
    `  Identity:      ${urls.identityUrl}${keystone ? '' : '   ([api] auth_strategy = noauth2: tokens are not checked)'}`,
    `  Image:         ${urls.imageUrl}`,
    `  Network:       ${urls.networkUrl}`,
    `  Volume:        ${urls.volumeUrl}`,
    `  noVNC proxy:   ${conf.vnc.novncproxy_base_url.replace(/\/[^/]*$/, '/')}`,
    `  xvpvnc proxy:  ${conf.vnc.xvpvncproxy_base_url.replace(/\/[^/]*$/, '/')} (HTTP CONNECT, native VNC clients)`,
    `  Database:      ${db.db.description}`,
    `  Message bus:   ${conf.DEFAULT.transport_url.replace(/\/\/.*@/, '//****@')}`,
    `  State:         ${conf.DEFAULT.state_path}`,
    `  Admin:         user admin, password ${secrets.admin_password}${firstStart ? ' (generated now; kept in all-in-one-secrets.json)' : ''}`,
    `  Clients:       source ${aio}   or   export OS_CLIENT_CONFIG_FILE=${path.join(conf.DEFAULT.state_path, 'clouds.yaml')} OS_CLOUD=nova-ts`,
    '                 then: openstack server list; openstack compute service list; nova list',
    '  Stop with Ctrl-C.',
  ];
  // Last, after every start-up line (the terminal log is written synchronously), and framed so it stands out.
  await new Promise<void>((resolve) => setImmediate(resolve));
  process.stdout.write(banner(lines, process.stdout.isTTY === true));
});
