/**
 * Private RabbitMQ nodes for tests and the chaos harness: a cluster of n
 * nodes, each in its own network namespace (a machine of its own: the same
 * ports on every node, killed with everything it runs), or one node on
 * loopback with ports of its own (no root needed).
 *
 * Nothing of the machine's RabbitMQ is used or touched: every node has its
 * own node name (long names by IP), Erlang cookie (a private HOME), config
 * file (rabbitmq-env.conf of the machine ignored), database and log
 * directories, no plugins, and `loopback_users = none` so guest/guest logs
 * in from the bridge. The nodes start in parallel and the others join the
 * first (peer discovery at boot, or `rabbitmqctl join_cluster`: see
 * `formation`). A node killed or stopped and started again rejoins with its
 * data. Every process and directory is registered with onCleanup the moment
 * it exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REQUIRE } from '../backends.ts';
import { createPrivateNet, NsProcess, netnsSkip, type PrivateNet, sh } from '../netns.ts';
import { freePort, onCleanup, runAll } from '../procs.ts';

const RABBIT_BIN = process.env.NOVA_TEST_RABBITMQ_BIN ?? '/usr/lib/rabbitmq/bin';
const EPMD = '/usr/bin/epmd';

export interface RabbitNode {
  readonly index: number;
  /** The Erlang node name, `rabbit@10.a.b.11`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Its database and logs. */
  readonly dir: string;
  /** The namespace it runs in (null: loopback). */
  readonly ns: string | null;
}

export interface RabbitCluster {
  readonly nodes: readonly RabbitNode[];
  /** The private network the nodes run on (null for a loopback node). */
  readonly net: PrivateNet | null;
  /** A transport_url naming every node, in order, with the default vhost: `rabbit://guest:guest@ip1:5672,guest:guest@ip2:5672,…/`. */
  readonly url: string;
  /** The same for a virtual host (see addVhost), the nodes in the given order (default: all, in order). */
  urlFor(vhost?: string, order?: readonly number[]): string;
  /** Milliseconds from the call to the cluster answering with all its nodes. */
  readonly startMs: number;
  /** Is node i's broker process running? */
  running(i: number): boolean;
  /** SIGKILL node i (in a namespace: every process of it, epmd too — a machine that died). */
  kill(i: number): Promise<void>;
  /** Stop node i gracefully (SIGTERM, as systemd would). */
  stop(i: number): Promise<void>;
  /** Start node i again on its data (it rejoins the cluster); resolves once it serves; returns how long that took (ms). */
  start(i: number): Promise<number>;
  /** `rabbitmqctl <args>` against node i (default: the first running node); its stdout. */
  ctl(args: readonly string[], i?: number): Promise<string>;
  /** Names of the running members as node i sees them. */
  runningNodes(i?: number): Promise<string[]>;
  /** Create a virtual host guest may use; returns its transport_url. */
  addVhost(vhost: string): Promise<string>;
  /** The last lines of node i's output. */
  tail(i: number, n?: number): string;
  /** Kill every node and remove everything (also done at the end of the test file). */
  close(): Promise<void>;
}

export interface RabbitClusterOptions {
  /** How many nodes (default 3). */
  nodes?: number;
  /** Run the nodes on this private network (node i on net.nodes[i]); default: a new one, removed with the cluster. */
  net?: PrivateNet;
  /** One node on 127.0.0.1 with free ports instead of namespaces (nodes must be 1). */
  loopback?: boolean;
  /**
   * How the nodes form the cluster. `peer-discovery` (default): they all
   * boot at once and the others join the first while booting (classic_config
   * peer discovery naming the first node; about 16 s for three nodes on two
   * CPUs). `join_cluster`: they boot alone, then the others join the first
   * one after the other with `rabbitmqctl stop_app; join_cluster; start_app`
   * (about 26 s).
   */
  formation?: 'peer-discovery' | 'join_cluster';
  /** How long a node may take to boot (default 90 s). */
  bootTimeoutMs?: number;
}

/** undefined when private RabbitMQ nodes can run here (the rabbitmq-server package; root and network namespaces unless loopback); otherwise the skip reason. Throws in CI. */
export async function rabbitEngineSkip(opts: { loopback?: boolean } = {}): Promise<string | undefined> {
  if (!opts.loopback) {
    const ns = await netnsSkip();
    if (ns) return ns;
  }
  const missing = [path.join(RABBIT_BIN, 'rabbitmq-server'), path.join(RABBIT_BIN, 'rabbitmqctl'), EPMD].find((f) => !fs.existsSync(f));
  if (!missing) return undefined;
  const reason = `SKIPPED: ${missing} not found (Debian package rabbitmq-server)`;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

interface NodeState extends RabbitNode {
  readonly distPort: number;
  readonly epmdPort: number;
  proc: NsProcess | null;
}

const READY = /Server startup complete/;

/** Start a private RabbitMQ cluster (see the module comment). */
export async function startRabbitCluster(opts: RabbitClusterOptions = {}): Promise<RabbitCluster> {
  const started = Date.now();
  const n = opts.nodes ?? 3;
  const bootTimeoutMs = opts.bootTimeoutMs ?? 90_000;
  const joinAtBoot = (opts.formation ?? 'peer-discovery') === 'peer-discovery';
  if (opts.loopback && n !== 1) throw new Error('a loopback RabbitMQ is a single node (clusters run in network namespaces)');
  const undo: (() => unknown)[] = [];
  const unregister: (() => void)[] = [];
  const track = (what: string, fn: () => unknown) => {
    undo.push(fn);
    unregister.push(onCleanup(what, fn));
  };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-rabbit-'));
  track(`RabbitMQ directory ${root}`, () => fs.rmSync(root, { recursive: true, force: true }));
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  fs.writeFileSync(
    path.join(home, '.erlang.cookie'),
    `NOVATEST${path
      .basename(root)
      .replace(/[^A-Za-z0-9]/g, '')
      .toUpperCase()}`,
    { mode: 0o400 },
  );
  const envFile = path.join(root, 'rabbitmq-env.conf');
  fs.writeFileSync(envFile, '# the machine rabbitmq-env.conf does not apply to test nodes\n');
  const plugins = path.join(root, 'enabled_plugins');
  fs.writeFileSync(plugins, '[].\n');

  let net: PrivateNet | null = opts.net ?? null;
  const nodes: NodeState[] = [];
  try {
    if (!opts.loopback && !net) {
      const own = await createPrivateNet(n, 'rabbit');
      net = own;
      track(`private network ${own.bridge}`, () => own.close());
    }
    for (let i = 0; i < n; i++) {
      const dir = path.join(root, `node${i + 1}`);
      fs.mkdirSync(dir);
      if (net) {
        const nn = net.nodes[i];
        if (!nn) throw new Error(`the private network has ${net.nodes.length} nodes, not ${n}`);
        nodes.push({ index: i, name: `rabbit@${nn.ip}`, host: nn.ip, port: 5672, distPort: 25672, epmdPort: 4369, dir, ns: nn.ns, proc: null });
      } else {
        const tag = path
          .basename(root)
          .slice(-6)
          .replace(/[^A-Za-z0-9]/g, 'x');
        nodes.push({
          index: i,
          name: `rabbit-${tag}@127.0.0.1`,
          host: '127.0.0.1',
          port: await freePort(),
          distPort: await freePort(),
          epmdPort: await freePort(),
          dir,
          ns: null,
          proc: null,
        });
      }
    }
    const node = (i: number): NodeState => {
      const nd = nodes[i];
      if (!nd) throw new Error(`no RabbitMQ node ${i} (${nodes.length} nodes)`);
      return nd;
    };

    const envOf = (nd: NodeState): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      HOME: home,
      RABBITMQ_CONF_ENV_FILE: envFile,
      RABBITMQ_NODENAME: nd.name,
      RABBITMQ_USE_LONGNAME: 'true',
      RABBITMQ_NODE_IP_ADDRESS: nd.host,
      RABBITMQ_NODE_PORT: String(nd.port),
      RABBITMQ_DIST_PORT: String(nd.distPort),
      RABBITMQ_MNESIA_BASE: path.join(nd.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(nd.dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(nd.dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(nd.dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
      RABBITMQ_PID_FILE: path.join(nd.dir, 'rabbit.pid'),
      ERL_EPMD_PORT: String(nd.epmdPort),
      // Run the VM in the foreground as the process itself (no signal-forwarding shell around it).
      RUNNING_UNDER_SYSTEMD: 'true',
      // On loopback: the private epmd started below, the distribution port on 127.0.0.1 only.
      ...(nd.ns === null
        ? { RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}', RABBITMQ_CTL_ERL_ARGS: '-start_epmd false' }
        : {}),
    });

    for (const nd of nodes) {
      fs.writeFileSync(
        path.join(nd.dir, 'rabbitmq.conf'),
        [
          `listeners.tcp.1 = ${nd.host}:${nd.port}`,
          'loopback_users = none',
          'log.console = true',
          'log.console.level = info',
          'log.file = false',
          'disk_free_limit.absolute = 50MB',
          // A fresh node other than the first joins the first as it boots (the first boots alone); a node with data rejoins its cluster.
          ...(nd.index > 0 && joinAtBoot
            ? [
                'cluster_formation.peer_discovery_backend = classic_config',
                `cluster_formation.classic_config.nodes.1 = ${nodes[0]?.name}`,
                'cluster_formation.discovery_retry_limit = 600',
                'cluster_formation.discovery_retry_interval = 200',
              ]
            : []),
          '',
        ].join('\n'),
      );
    }

    if (opts.loopback) {
      const nd = node(0);
      const epmd = new NsProcess('epmd (private RabbitMQ)', null, EPMD, ['-address', '127.0.0.1', '-port', String(nd.epmdPort)], { cleanupSignal: 'SIGKILL' });
      track('epmd (private RabbitMQ)', () => epmd.killed());
      await waitPort('127.0.0.1', nd.epmdPort, 10_000);
    }

    const boot = async (nd: NodeState): Promise<void> => {
      const proc = new NsProcess(`RabbitMQ ${nd.name}`, nd.ns, path.join(RABBIT_BIN, 'rabbitmq-server'), [], {
        env: envOf(nd),
        logFile: path.join(nd.dir, 'console.log'),
        cleanupSignal: 'SIGKILL',
      });
      nd.proc = proc;
      await proc.waitFor(READY, bootTimeoutMs);
    };

    const ctl = async (args: readonly string[], i?: number): Promise<string> => {
      const nd = i === undefined ? (nodes.find((x) => x.proc?.running) ?? node(0)) : node(i);
      const argv = [path.join(RABBIT_BIN, 'rabbitmqctl'), '-n', nd.name, '--longnames', ...args];
      const env = envOf(nd);
      const r =
        nd.ns === null ? await sh(argv[0] as string, argv.slice(1), { env, timeoutMs: 60_000 }) : await sh('ip', ['netns', 'exec', nd.ns, ...argv], { env, timeoutMs: 60_000 });
      return r.stdout;
    };

    const runningNodes = async (i?: number): Promise<string[]> => {
      const out = await ctl(['cluster_status', '--formatter', 'json'], i);
      const data: unknown = JSON.parse(out);
      if (data === null || typeof data !== 'object' || !('running_nodes' in data) || !Array.isArray(data.running_nodes)) throw new Error(`unexpected cluster_status: ${out}`);
      return data.running_nodes.filter((x): x is string => typeof x === 'string');
    };

    // The first node boots alone; nodes joining at boot follow one at a time, each once the one before is up
    // (booted together, RabbitMQ 3.10's joins race on the first node's feature flags: schema_integrity_check_failed).
    if (joinAtBoot) {
      for (const nd of nodes) await boot(nd);
    } else {
      await Promise.all(nodes.map(boot));
    }
    const first = node(0);
    // One at a time: concurrent joins race on the schema of the first node.
    for (const nd of joinAtBoot ? [] : nodes.slice(1)) {
      await ctl(['stop_app'], nd.index);
      await ctl(['join_cluster', first.name], nd.index);
      await ctl(['start_app'], nd.index);
    }
    if (n > 1) {
      const members = await runningNodes(0);
      if (members.length !== n) throw new Error(`RabbitMQ cluster formed with ${members.join(', ')}, expected ${n} nodes`);
    }
    // A node that joined enables the cluster's feature flags in the background (quorum_queue among them: declaring a
    // quorum queue fails until then); this returns once every flag is enabled on every node.
    await ctl(['enable_feature_flag', 'all'], 0);
    const startMs = Date.now() - started;

    const urlFor = (vhost = '', order: readonly number[] = nodes.map((x) => x.index)) =>
      `rabbit://${order.map((i) => `guest:guest@${node(i).host}:${node(i).port}`).join(',')}/${encodeURIComponent(vhost)}`;

    let closed = false;
    const cluster: RabbitCluster = {
      nodes,
      net,
      url: urlFor(),
      urlFor,
      startMs,
      running: (i) => node(i).proc?.running ?? false,
      async kill(i) {
        const nd = node(i);
        if (net && nd.ns !== null) await net.killAll(i);
        await nd.proc?.killed();
      },
      async stop(i) {
        await node(i).proc?.stop(60_000);
      },
      async start(i) {
        const nd = node(i);
        if (nd.proc?.running) throw new Error(`${nd.name} is running`);
        const t0 = Date.now();
        await boot(nd);
        return Date.now() - t0;
      },
      ctl,
      runningNodes,
      async addVhost(vhost) {
        await ctl(['add_vhost', vhost]);
        await ctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
        return urlFor(vhost);
      },
      tail: (i, lines = 30) => node(i).proc?.tail(lines) ?? '',
      async close() {
        if (closed) return;
        closed = true;
        await runAll([...nodes.map((nd) => () => nd.proc?.killed()), ...undo.reverse()]);
        for (const u of unregister) u();
      },
    };
    return cluster;
  } catch (e) {
    await runAll([...nodes.map((nd) => () => nd.proc?.killed()), ...undo.reverse()]);
    for (const u of unregister) u();
    throw e;
  }
}

/** One private node: on loopback with free ports, or (loopback: false) in a namespace of its own. */
export function startRabbitNode(opts: Omit<RabbitClusterOptions, 'nodes'> = { loopback: true }): Promise<RabbitCluster> {
  return startRabbitCluster({ ...opts, nodes: 1 });
}

async function waitPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const net = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
