import fs from 'node:fs';
import path from 'node:path';
import { createRabbitVhost, dropMysqlDatabase, mysqlUrl, uniqueName } from './backends.ts';
import { type Binary, Daemon, freePort, killQemusUnder, onCleanup, run, runAll, tmpDir, writeConf } from './procs.ts';

/** A whole cloud as separate processes with Keystone auth: identity, image, api, conductor, scheduler, one fake compute. */
export interface KeystoneCluster {
  dir: string;
  daemons: Daemon[];
  /** Environment for the openstack / nova clients as admin. */
  adminEnv: Record<string, string>;
  identityUrl: string;
  computeUrl: string;
  imageUrl: string;
  confFile: string;
  /** Environment for another user of another project. */
  envFor(user: string, password: string, project: string): Record<string, string>;
  stop(): Promise<void>;
}

export const ADMIN_PASSWORD = 'admin-secret';
const SERVICE_PASSWORD = 'service-secret';

export interface KeystoneClusterOptions {
  /** How many fake compute hosts (compute-1 …); default 1. */
  computes?: number;
  /** Extra config for every service (merged over the defaults, section by section). */
  conf?: Record<string, Record<string, string | number | boolean>>;
  /** More controller daemons on the common nova.conf, started before nova-api (e.g. nova-consoleauth). */
  services?: ('nova-consoleauth' | 'nova-cert' | 'nova-novncproxy' | 'nova-xvpvncproxy')[];
  /** Run nova-network too (catalog type network, [neutron] and [nova] as the neutron and nova service users). */
  network?: boolean;
  /** Run nova-volume too (file driver; catalog types volumev3/block-storage; nova's [cinder] as the cinder service user). */
  volume?: boolean;
}

/** Start the cloud; a failure half way stops what had started before the error propagates (see startCluster). */
export async function startKeystoneCluster(opts: KeystoneClusterOptions = {}): Promise<KeystoneCluster> {
  const dir = tmpDir('nova-ks-');
  const dbName = uniqueName('nova_e2e');
  const daemons: Daemon[] = [];
  let vhost: ReturnType<typeof createRabbitVhost> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= runAll([
      () => Promise.all(daemons.map((d) => d.stop())),
      // The volume service's qemu-storage-daemon runs detached (it outlives nova-volume by design).
      () => killQemusUnder(dir),
      () => dropMysqlDatabase(dbName),
      () => vhost?.drop(),
      () => fs.rmSync(dir, { recursive: true, force: true }),
    ]).finally(unregister);
    return stopping;
  };
  const unregister = onCleanup(`keystone cluster in ${dir}`, stop);
  try {
    vhost = createRabbitVhost();
    const [idPort, imgPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const identityUrl = `http://127.0.0.1:${idPort}/v3`;
    const computeUrl = `http://127.0.0.1:${apiPort}/v2.1`;
    const imageUrl = `http://127.0.0.1:${imgPort}`;
    const netPort = opts.network ? await freePort() : 0;
    const authUrl = `http://127.0.0.1:${idPort}`;
    const networkConf: Record<string, Record<string, string | number>> = opts.network
      ? {
          neutron_server: { bind_host: '127.0.0.1', bind_port: netPort, send_events_interval: 0 },
          neutron: { auth_url: authUrl, password: SERVICE_PASSWORD },
          nova: { auth_url: authUrl, password: SERVICE_PASSWORD },
        }
      : {};
    const volPort = opts.volume ? await freePort() : 0;
    const volumeConf: Record<string, Record<string, string | number>> = opts.volume
      ? {
          volume_server: { bind_host: '127.0.0.1', bind_port: volPort },
          volume: { export_address: '127.0.0.1', export_port: await freePort() },
          cinder: { auth_url: authUrl, password: SERVICE_PASSWORD },
        }
      : {};
    const base = {
      DEFAULT: { host: 'controller', transport_url: vhost.url, report_interval: 1, service_down_time: 10, state_path: path.join(dir, 'state'), graceful_shutdown_timeout: 5 },
      database: { connection: mysqlUrl(dbName), max_pool_size: 20 },
      api: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: apiPort, auth_strategy: 'keystone' },
      identity: { listen: '127.0.0.1', listen_port: idPort },
      glance_api: { bind_host: '127.0.0.1', bind_port: imgPort },
      glance: { api_servers: imageUrl },
      keystone_authtoken: { auth_url: `http://127.0.0.1:${idPort}`, username: 'nova', password: SERVICE_PASSWORD, project_name: 'service', token_cache_time: 2 },
    };
    const common: typeof base & Record<string, Record<string, string | number | boolean>> = { ...base, ...networkConf, ...volumeConf };
    for (const [section, values] of Object.entries(opts.conf ?? {})) common[section] = { ...(common[section] ?? {}), ...values };
    const confFile = writeConf(path.join(dir, 'nova.conf'), common);
    const sync = await run('nova-manage', ['--config-file', confFile, 'db', 'sync']);
    if (sync.code !== 0) throw new Error(`db sync: ${sync.stderr}`);
    const boot = await run('nova-manage', [
      '--config-file',
      confFile,
      'bootstrap',
      '--bootstrap-password',
      ADMIN_PASSWORD,
      '--service-password',
      SERVICE_PASSWORD,
      '--compute-url',
      computeUrl,
      '--identity-url',
      identityUrl,
      '--image-url',
      imageUrl,
      ...(opts.network ? ['--network-url', `http://127.0.0.1:${netPort}`] : []),
      ...(opts.volume ? ['--volume-url', `http://127.0.0.1:${volPort}/v3`] : []),
    ]);
    if (boot.code !== 0) throw new Error(`bootstrap: ${boot.stderr}`);
    const { database: _db, ...computeSections } = common;
    const computes = Array.from({ length: opts.computes ?? 1 }, (_, i) => `compute-${i + 1}`);
    const computeConf = (host: string) => writeConf(path.join(dir, `${host}.conf`), { ...computeSections, DEFAULT: { ...common.DEFAULT, host, state_path: path.join(dir, host) } });
    daemons.push(
      new Daemon('identity', 'nova-identity', ['--config-file', confFile]),
      new Daemon('image', 'nova-image', ['--config-file', confFile]),
      new Daemon('conductor', 'nova-conductor', ['--config-file', confFile]),
      new Daemon('scheduler', 'nova-scheduler', ['--config-file', confFile]),
      ...computes.map((host) => new Daemon(host, 'nova-compute', ['--config-file', computeConf(host)])),
      ...(opts.services ?? []).map((bin) => new Daemon(bin, bin as Binary, ['--config-file', confFile])),
      ...(opts.network ? [new Daemon('network', 'nova-network' as Binary, ['--config-file', confFile])] : []),
      // nova-volume validates tokens as the cinder service user (the later file wins).
      ...(opts.volume
        ? [
            new Daemon('volume', 'nova-volume' as Binary, [
              '--config-file',
              confFile,
              '--config-file',
              writeConf(path.join(dir, 'cinder.conf'), { keystone_authtoken: { username: 'cinder' } }),
            ]),
          ]
        : []),
      new Daemon('api', 'nova-api', ['--config-file', confFile]),
    );
    await Promise.all(daemons.map((d) => d.waitFor(/service started|listening/, 60_000)));
    const envFor = (user: string, password: string, project: string): Record<string, string> => ({
      OS_AUTH_URL: identityUrl,
      OS_USERNAME: user,
      OS_PASSWORD: password,
      OS_PROJECT_NAME: project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_IDENTITY_API_VERSION: '3',
      OS_REGION_NAME: 'RegionOne',
      OS_INTERFACE: 'public',
    });
    return {
      dir,
      daemons,
      adminEnv: envFor('admin', ADMIN_PASSWORD, 'admin'),
      identityUrl,
      computeUrl,
      imageUrl,
      confFile,
      envFor,
      stop,
    };
  } catch (e) {
    await stop().catch(() => {}); // the setup error is the one to report
    throw e;
  }
}
