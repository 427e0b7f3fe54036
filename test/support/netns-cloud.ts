/**
 * A cloud whose compute hosts are machines of their own: each nova-compute
 * runs in a network namespace of a private network (netns.ts) with its own
 * address as `[DEFAULT] my_ip`, `host` and `state_path`, so moves between
 * them go over the network as between real hosts (QEMU's migration
 * streams and NBD, bound to those addresses). The controller (nova-api,
 * nova-scheduler, nova-conductor over RabbitMQ and MariaDB) and the image
 * service run in the root namespace; the hosts reach RabbitMQ through a
 * proxy on the bridge and nova-image on the bridge address.
 *
 * Everything is registered for the end of the test file (procs.ts), also
 * when the setup fails half way.
 */
import path from 'node:path';
import { createRabbitVhost, dropMysqlDatabase, mysqlUrl, RABBIT_HOST, RABBIT_PORT, uniqueName } from './backends.ts';
import { ApiClient } from './cloud.ts';
import { createPrivateNet, type NsProcess, type PrivateNet } from './netns.ts';
import { Daemon, freePort, killQemusUnder, onCleanup, ROOT, run, runAll, tmpDir, writeConf } from './procs.ts';
import { startTcpProxy } from './tcp-proxy.ts';

type Sections = Record<string, Record<string, string | number | boolean>>;

export interface NetnsHost {
  readonly host: string;
  readonly ip: string;
  /** `[DEFAULT] instances_path` of the host (its files are on the shared filesystem). */
  readonly instancesPath: string;
  readonly proc: NsProcess;
}

export interface NetnsCloud {
  readonly dir: string;
  readonly net: PrivateNet;
  readonly api: ApiClient;
  /** The image service's URL (on the bridge). */
  readonly imageUrl: string;
  readonly hosts: readonly NetnsHost[];
  stop(): Promise<void>;
}

function merge(a: Sections, b: Sections = {}): Sections {
  const out: Sections = { ...a };
  for (const [g, kv] of Object.entries(b)) out[g] = { ...(out[g] ?? {}), ...kv };
  return out;
}

/** Start the controller and image service, then `hosts` computes, one per namespace, with `computeConf` for each. */
export async function startNetnsCloud(opts: { hosts: string[]; computeConf?: Sections; conf?: Sections }): Promise<NetnsCloud> {
  const dir = tmpDir('nova-netns-');
  const dbName = uniqueName('nova_netns');
  const daemons: Daemon[] = [];
  let vhost: ReturnType<typeof createRabbitVhost> | undefined;
  let net: PrivateNet | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= runAll([
      () => net?.close(), // every process in the namespaces (computes and their QEMUs) first
      () => Promise.all(daemons.map((d) => d.stop())),
      () => killQemusUnder(dir),
      () => dropMysqlDatabase(dbName),
      () => vhost?.drop(),
    ]).finally(unregister);
    return stopping;
  };
  const unregister = onCleanup(`netns cloud in ${dir}`, stop);
  try {
    net = await createPrivateNet(opts.hosts.length, 'nvm');
    vhost = createRabbitVhost();
    const rabbit = await startTcpProxy(RABBIT_HOST, RABBIT_PORT, net.hostIp);
    const imagePort = await freePort();
    const imageUrl = `http://${net.hostIp}:${imagePort}`;
    const common = merge(
      {
        DEFAULT: { transport_url: vhost.url, report_interval: 1, service_down_time: 10, state_path: path.join(dir, 'state'), graceful_shutdown_timeout: 10 },
        database: { connection: mysqlUrl(dbName), max_pool_size: 20 },
        api: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: 0, auth_strategy: 'noauth2' },
        quota: { instances: -1, cores: -1, ram: -1 },
        glance: { api_servers: imageUrl },
      },
      opts.conf,
    );
    const controller = writeConf(path.join(dir, 'controller.conf'), merge(common, { DEFAULT: { host: 'controller' } }));
    const imageConf = writeConf(path.join(dir, 'image.conf'), {
      DEFAULT: { state_path: path.join(dir, 'glance'), transport_url: 'memory://' },
      database: { connection: `sqlite:///${path.join(dir, 'glance', 'glance.sqlite')}` },
      glance_api: { bind_host: net.hostIp, bind_port: imagePort },
      api: { auth_strategy: 'noauth2' },
    });
    for (const conf of [controller, imageConf]) {
      const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
      if (sync.code !== 0) throw new Error(`db sync failed: ${sync.stderr}`);
    }
    const image = new Daemon('image', 'nova-image', ['--config-file', imageConf]);
    daemons.push(image, new Daemon('conductor', 'nova-conductor', ['--config-file', controller]), new Daemon('scheduler', 'nova-scheduler', ['--config-file', controller]));
    const api = new Daemon('api', 'nova-api', ['--config-file', controller]);
    daemons.push(api);
    const hosts: NetnsHost[] = [];
    const { database: _db, ...noDb } = common;
    opts.hosts.forEach((host, i) => {
      const node = net?.nodes[i];
      if (!net || !node) throw new Error('no namespace for a host');
      const state = path.join(dir, host);
      const conf = merge(
        merge(noDb, {
          DEFAULT: { host, my_ip: node.ip, state_path: state, transport_url: `rabbit://guest:guest@${net.hostIp}:${rabbit.port}/${vhost?.vhost}` },
        }),
        opts.computeConf,
      );
      const file = writeConf(path.join(dir, `${host}.conf`), conf);
      const proc = net.spawn(i, host, process.execPath, [path.join(ROOT, 'bin', 'nova-compute.js'), '--config-file', file], {
        env: { ...process.env, NOVA_LOG_LEVEL: 'info' },
        cwd: ROOT,
        logFile: path.join(dir, `${host}.log`),
      });
      hosts.push({ host, ip: node.ip, instancesPath: path.join(state, 'instances'), proc });
    });
    const listening = await api.waitFor(/Compute API listening/, 60_000);
    const url = (JSON.parse(listening) as { url: string }).url;
    await image.waitFor(/listening/, 60_000);
    await Promise.all([...daemons.filter((d) => d !== image).map((d) => d.waitFor(/service started/, 60_000)), ...hosts.map((h) => h.proc.waitFor(/service started/, 90_000))]);
    return { dir, net, api: new ApiClient(url), imageUrl, hosts, stop };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}
