/**
 * A whole cloud on three machines that are network namespaces of a private
 * network (netns.ts), every service its own process, under Keystone:
 *
 * - `controller` (node 0): nova-identity (:5000), nova-image (:9292),
 *   nova-network (:9696), nova-api (:8774), nova-api-metadata (:8775),
 *   nova-conductor, nova-scheduler, and the network node's
 *   nova-network-agent (bridge, dhcp and l3), whose `ext0` is a veth to an
 *   "external" namespace (the upstream side: 203.0.113.1/24, no route to
 *   the private networks) carrying the flat physical network `physnet1`;
 * - `compute-1`, `compute-2` (nodes 1, 2): nova-compute (qemu driver) and
 *   a nova-network-agent (bridge), VXLAN
 *   to the others over the private network by their own addresses.
 *
 * MariaDB and RabbitMQ stay in the root namespace, reached through proxies
 * on its address of the private network; so is the test, which runs the
 * `openstack` client against the catalog's controller URLs. Daemons enter
 * a namespace with nsenter (net only), so the namespaces the agents add
 * (qdhcp-, qrouter-) are seen by everyone, as on a real host.
 *
 * Everything is registered for the end of the test file (procs.ts) the
 * moment it exists, also when the setup fails half way or the runner is
 * killed; `adopt()` registers a namespace an agent made once its name is
 * known, and the stop also finds those it was never told of (the agents'
 * state directories, dataplaneUnder).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRabbitVhost, dropMysqlDatabase, MYSQL_HOST, MYSQL_PORT, RABBIT_HOST, RABBIT_PORT, uniqueName } from './backends.ts';
import { createPrivateNet, NsProcess, type PrivateNet, sh } from './netns.ts';
import { killQemusUnder, killSignal, onCleanup, ROOT, run, runAll, runProgram, tmpDir, until, writeConf } from './procs.ts';
import { startTcpProxy } from './tcp-proxy.ts';

type Sections = Record<string, Record<string, string | number | boolean>>;

export const ADMIN_PASSWORD = 'capstone-admin';
const SERVICE_PASSWORD = 'capstone-service';
/** The upstream gateway's address, in the external namespace. */
export const EXT_GATEWAY = '203.0.113.1';
export const EXT_CIDR = '203.0.113.0/24';
export const PHYSNET = 'physnet1';

export interface CapstoneHost {
  readonly host: string;
  readonly ns: string;
  readonly ip: string;
}

export interface CapstoneCloud {
  readonly dir: string;
  readonly net: PrivateNet;
  readonly controller: CapstoneHost;
  readonly computes: readonly CapstoneHost[];
  /** The external namespace (the far side of the network node's ext0). */
  readonly extNs: string;
  readonly identityUrl: string;
  /** Every daemon by a name (`api`, `agent compute-1`, …). */
  readonly procs: ReadonlyMap<string, NsProcess>;
  /** Environment for the openstack client as `user` of `project`. */
  envFor(user: string, password: string, project: string): Record<string, string>;
  readonly adminEnv: Record<string, string>;
  /** The openstack client (a subprocess); rejects unless it exits 0, with its output. */
  openstack(env: Record<string, string>, args: string[]): Promise<string>;
  /** Run a command inside a namespace, to completion (never rejects for its exit code). */
  exec(ns: string, cmd: string, args: readonly string[], timeoutMs?: number): ReturnType<typeof sh>;
  /** Remove namespace `ns` (and what runs in it) at the end of the file at the latest. */
  adopt(ns: string): void;
  /** Names of the namespaces the cloud made or adopted. */
  namespaces(): string[];
  stop(): Promise<void>;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function removeNs(ns: string): Promise<void> {
  const pids = (await sh('ip', ['netns', 'pids', ns], { allowFailure: true })).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
  for (const p of pids) kill(Number(p));
  await sh('ip', ['netns', 'del', ns], { allowFailure: true });
}

/**
 * The dataplane the agents of a cloud in `dir` made, which outlives them:
 * the namespaces recorded in their state directories
 * (`<host>/network-agent/dhcp/<network>`, `…/l3/<router>`; each is made
 * before its namespace), and the processes whose command line names a
 * file under `dir` other than this one (dnsmasq, nova-ns-metadata-proxy,
 * and a daemon that has not exited yet).
 */
export function dataplaneUnder(dir: string): { namespaces: string[]; pids: number[] } {
  const namespaces: string[] = [];
  const ls = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).sort() : []);
  for (const host of ls(dir)) {
    for (const [role, prefix] of [
      ['dhcp', 'qdhcp-'],
      ['l3', 'qrouter-'],
    ] as const)
      for (const id of ls(path.join(dir, host, 'network-agent', role))) namespaces.push(`${prefix}${id}`);
  }
  const under = `${path.resolve(dir)}/`;
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (
        fs
          .readFileSync(`/proc/${name}/cmdline`, 'utf8')
          .split('\0')
          .some((a) => a.includes(under))
      )
        pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return { namespaces, pids };
}

function merge(...parts: Sections[]): Sections {
  const out: Sections = {};
  for (const p of parts) for (const [g, kv] of Object.entries(p)) out[g] = { ...(out[g] ?? {}), ...kv };
  return out;
}

export interface CapstoneOptions {
  /**
   * Also the volume host: nova-volume (:8776, catalog volumev3 and
   * block-storage, the cinder service user) on the controller, its file
   * driver's NBD exports on the controller's address (port 10809), which
   * the compute hosts reach over the private network; nova's [cinder] user.
   */
  readonly volume?: boolean;
}

export async function startCapstoneCloud(o: CapstoneOptions = {}): Promise<CapstoneCloud> {
  const dir = tmpDir('nova-capstone-');
  const dbName = uniqueName('nova_capstone');
  const procs = new Map<string, NsProcess>();
  const adopted = new Set<string>();
  let vhost: ReturnType<typeof createRabbitVhost> | undefined;
  let net: PrivateNet | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= runAll([
      // The daemons first, gently unless the runner is being killed (an agent stopping leaves its dataplane as it is), then whatever is left.
      () => Promise.all([...procs.values()].map((p) => (killSignal() ? p.killed() : p.stop(10_000)))),
      () => killQemusUnder(dir),
      () => {
        for (const pid of dataplaneUnder(dir).pids) kill(pid);
      },
      () => runAll([...new Set([...adopted, ...dataplaneUnder(dir).namespaces])].map((ns) => () => removeNs(ns))),
      () => net?.close(),
      () => dropMysqlDatabase(dbName),
      () => vhost?.drop(),
      // The daemons' logs stay for a look with NOVA_TEST_KEEP_LOGS=1.
      () => process.env.NOVA_TEST_KEEP_LOGS === '1' || fs.rmSync(dir, { recursive: true, force: true }),
    ]).finally(unregister);
    return stopping;
  };
  const unregister = onCleanup(`capstone cloud in ${dir}`, stop);
  try {
    net = await createPrivateNet(3, 'nvx');
    const privateNet = net;
    const [ctlNode, ...computeNodes] = net.nodes;
    if (!ctlNode || computeNodes.length !== 2) throw new Error('three namespaces expected');
    const controller: CapstoneHost = { host: 'controller', ns: ctlNode.ns, ip: ctlNode.ip };
    const computes: CapstoneHost[] = computeNodes.map((n, i) => ({ host: `compute-${i + 1}`, ns: n.ns, ip: n.ip }));

    // The external side: a veth from the network node's ext0 to the external namespace.
    const extNs = `${ctlNode.ns}-ext`;
    adopted.add(extNs);
    await sh('ip', ['netns', 'add', extNs]);
    await sh('ip', ['-n', ctlNode.ns, 'link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', extNs]);
    await sh('ip', ['-n', ctlNode.ns, 'link', 'set', 'ext0', 'up']);
    await sh('ip', ['-n', extNs, 'link', 'set', 'lo', 'up']);
    await sh('ip', ['-n', extNs, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', extNs, 'addr', 'add', `${EXT_GATEWAY}/24`, 'dev', 'eth0']);

    vhost = createRabbitVhost();
    const rabbit = await startTcpProxy(RABBIT_HOST, RABBIT_PORT, net.hostIp);
    const mysql = await startTcpProxy(MYSQL_HOST, MYSQL_PORT, net.hostIp);
    const ctl = controller.ip;
    const identityUrl = `http://${ctl}:5000/v3`;
    const identity = { auth_url: `http://${ctl}:5000`, password: SERVICE_PASSWORD, project_name: 'service' };
    const common: Sections = {
      DEFAULT: {
        transport_url: `rabbit://guest:guest@${net.hostIp}:${rabbit.port}/${vhost.vhost}`,
        report_interval: 1,
        service_down_time: 10,
        graceful_shutdown_timeout: 5,
      },
      database: { connection: `mysql+pymysql://root:@${net.hostIp}:${mysql.port}/${dbName}`, max_pool_size: 10 },
      api: { auth_strategy: 'keystone', osapi_compute_listen: ctl, osapi_compute_listen_port: 8774, metadata_listen: ctl, metadata_listen_port: 8775 },
      identity: { listen: ctl, listen_port: 5000 },
      glance_api: { bind_host: ctl, bind_port: 9292 },
      glance: { api_servers: `http://${ctl}:9292` },
      keystone_authtoken: { ...identity, username: 'nova', token_cache_time: 2 },
      neutron: { ...identity, username: 'neutron', service_metadata_proxy: true, metadata_proxy_shared_secret: 'capstone-metadata' },
      nova: { ...identity, username: 'nova' },
      neutron_server: { bind_host: ctl, bind_port: 9696, agent_down_time: 10, send_events_interval: 1 },
      quota: { instances: -1, cores: -1, ram: -1 },
      agent: { polling_interval: 1, report_interval: 1 },
      ...(o.volume ? { volume_server: { bind_host: ctl, bind_port: 8776 }, volume: { export_address: ctl, export_port: 10809 }, cinder: { ...identity, username: 'cinder' } } : {}),
    };
    const hostConf = (h: CapstoneHost, extra: Sections) =>
      writeConf(path.join(dir, `${h.host}.conf`), merge(common, { DEFAULT: { host: h.host, my_ip: h.ip, state_path: path.join(dir, h.host), nova_metadata_host: ctl } }, extra));
    const ctlConf = hostConf(controller, { agent: { roles: 'bridge,dhcp,l3' }, linux_bridge: { physical_interface_mappings: `${PHYSNET}:ext0` } });
    const computeConf = computes.map((h) =>
      hostConf(h, {
        DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: 0, sync_power_state_interval: 5 },
        agent: { roles: 'bridge' },
        qemu: { shutdown_timeout: 10, spice_enabled: false },
      }),
    );

    const sync = await run('nova-manage', ['--config-file', ctlConf, 'db', 'sync'], {}, 120_000);
    if (sync.code !== 0) throw new Error(`db sync: ${sync.stderr}`);
    const boot = await run('nova-manage', [
      '--config-file',
      ctlConf,
      'bootstrap',
      '--bootstrap-password',
      ADMIN_PASSWORD,
      '--service-password',
      SERVICE_PASSWORD,
      '--compute-url',
      `http://${ctl}:8774/v2.1`,
      '--identity-url',
      identityUrl,
      '--image-url',
      `http://${ctl}:9292`,
      '--network-url',
      `http://${ctl}:9696`,
      '--client-config-dir',
      path.join(dir, 'client'),
      ...(o.volume ? ['--volume-url', `http://${ctl}:8776/v3`] : []),
    ]);
    if (boot.code !== 0) throw new Error(`bootstrap: ${boot.stderr}`);

    const spawn = (name: string, ns: string, bin: string, ...confs: string[]) => {
      const p = new NsProcess(
        name,
        null,
        'nsenter',
        [`--net=/run/netns/${ns}`, process.execPath, path.join(ROOT, 'bin', `${bin}.js`), ...confs.flatMap((c) => ['--config-file', c])],
        {
          env: { ...process.env, NOVA_LOG_LEVEL: 'info' },
          cwd: ROOT,
          logFile: path.join(dir, 'logs', `${name.replaceAll(' ', '-')}.log`),
        },
      );
      procs.set(name, p);
      return p;
    };
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const waits: Promise<string>[] = [];
    for (const [name, bin, re] of [
      ['identity', 'nova-identity', /listening/],
      ['image', 'nova-image', /listening/],
      ['network', 'nova-network', /listening/],
      ['conductor', 'nova-conductor', /service started/],
      ['scheduler', 'nova-scheduler', /service started/],
      ['api', 'nova-api', /Compute API listening/],
      ['metadata', 'nova-api-metadata', /listening/],
    ] as const)
      waits.push(spawn(name, controller.ns, bin, ctlConf).waitFor(re, 120_000));
    waits.push(spawn('agent controller', controller.ns, 'nova-network-agent', ctlConf).waitFor(/./, 120_000));
    if (o.volume) {
      // nova-volume validates tokens as the cinder service user.
      const cinderConf = writeConf(path.join(dir, 'controller-cinder.conf'), { keystone_authtoken: { username: 'cinder' } });
      waits.push(spawn('volume', controller.ns, 'nova-volume', ctlConf, cinderConf).waitFor(/Volume API listening/, 120_000));
    }
    computes.forEach((h, i) => {
      const conf = computeConf[i] as string;
      waits.push(spawn(h.host, h.ns, 'nova-compute', conf).waitFor(/service started/, 180_000));
      waits.push(spawn(`agent ${h.host}`, h.ns, 'nova-network-agent', conf).waitFor(/./, 120_000));
    });
    await Promise.all(waits);

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
    const openstack = async (env: Record<string, string>, args: string[]): Promise<string> => {
      const r = await runProgram('openstack', args, env, 180_000);
      if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} (${env.OS_USERNAME}) exited ${r.code}:\n${r.stderr.trim() || r.stdout.trim()}`);
      return r.stdout;
    };
    const adminEnv = envFor('admin', ADMIN_PASSWORD, 'admin');
    // Four agents of the network node (bridge, dhcp, l3) and two compute hosts (bridge) report in.
    await until(
      async () => {
        const agents = JSON.parse(await openstack(adminEnv, ['network', 'agent', 'list', '-f', 'json'])) as { Alive: boolean | string }[];
        return agents.filter((a) => a.Alive === true || a.Alive === ':-)').length >= 5;
      },
      90_000,
      'every network agent alive',
      1000,
    );
    const adopt = (ns: string) => {
      if (adopted.has(ns)) return;
      adopted.add(ns);
    };
    return {
      dir,
      net,
      controller,
      computes,
      extNs,
      identityUrl,
      procs,
      envFor,
      adminEnv,
      openstack,
      exec: (ns, cmd, args, timeoutMs = 30_000) => sh('ip', ['netns', 'exec', ns, cmd, ...args], { allowFailure: true, timeoutMs }),
      adopt,
      namespaces: () => [...privateNet.nodes.map((n) => n.ns), ...adopted],
      stop,
    };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}
