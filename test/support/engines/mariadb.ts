/**
 * Private MariaDB servers for tests and the chaos harness: one server (on
 * loopback with a free port, or in a network namespace), or a Galera
 * cluster (Debian's galera-4) of n nodes, each in its own namespace.
 *
 * Nothing of the machine's MariaDB is used: each server has its own
 * datadir (`mariadb-install-db` into a temporary directory; Galera joiners
 * start empty and receive theirs by SST), socket, pid file and a
 * `--defaults-file` of its own (the machine's /etc/mysql is not read). The
 * server runs as Debian's mysql user (as under systemd); `root` may log in
 * without a password from anywhere (the bridge network is private). The Galera nodes: the first bootstraps
 * the cluster (`--wsrep-new-cluster`), the others join it with a state
 * transfer (`wsrep_sst_method = rsync`, Debian's wsrep_sst_rsync: rsync
 * only); a node started again after a kill recovers its position first
 * (`--wsrep-recover`, as Debian's galera_recovery does for systemd) and
 * catches up by IST, or SST when the donors' gcache no longer has it.
 * Every process and directory is registered with onCleanup at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2';
import { REQUIRE } from '../backends.ts';
import { createPrivateNet, NsProcess, netnsSkip, type PrivateNet, sh } from '../netns.ts';
import { freePort, onCleanup, runAll } from '../procs.ts';

const MARIADBD = process.env.NOVA_TEST_MARIADBD ?? '/usr/sbin/mariadbd';
const INSTALL_DB = process.env.NOVA_TEST_MARIADB_INSTALL_DB ?? '/usr/bin/mariadb-install-db';
const GALERA = process.env.NOVA_TEST_GALERA_PROVIDER ?? '/usr/lib/galera/libgalera_smm.so';
const SST_METHOD = 'rsync';

interface Owner {
  name: string;
  uid: number;
  gid: number;
}

/** The account servers run as: Debian's mysql user (root if there is none). */
function serverOwner(): Owner {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('mysql:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { name: 'mysql', uid: Number(uid), gid: Number(gid) } : { name: 'root', uid: 0, gid: 0 };
}

function chownTree(dir: string, owner: Owner): void {
  fs.chownSync(dir, owner.uid, owner.gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, owner);
    else fs.chownSync(p, owner.uid, owner.gid);
  }
}

export interface MariaNode {
  readonly index: number;
  /** wsrep_node_name (`node1` …). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The server's unix socket (reachable from every namespace: it is a file). */
  readonly socket: string;
  readonly dir: string;
  readonly ns: string | null;
}

export interface MariaCluster {
  readonly nodes: readonly MariaNode[];
  readonly net: PrivateNet | null;
  readonly galera: boolean;
  /** Milliseconds from the call to every node serving (Synced). */
  readonly startMs: number;
  /**
   * A `[database] connection` URL for `database` naming the nodes (default:
   * all, in order): `mysql+pymysql://root:@ip1:3306,ip2:3306,ip3:3306/nova`.
   */
  url(database: string, order?: readonly number[]): string;
  /** Is node i's server process running? */
  running(i: number): boolean;
  /** SIGKILL node i (in a namespace: every process of it — a machine that died). */
  kill(i: number): Promise<void>;
  /** Shut node i down cleanly (SIGTERM). */
  stop(i: number): Promise<void>;
  /** Start node i again on its datadir; it rejoins (IST/SST) — or bootstraps the cluster again when no node runs. Resolves once it is Synced; returns how long that took (ms). */
  start(i: number): Promise<number>;
  /** Run SQL on node i (default: the first running node) over its socket as root. */
  query(sql: string, i?: number): Promise<RowDataPacket[]>;
  /** `SHOW STATUS LIKE 'wsrep%'` of node i as a map. */
  wsrep(i: number): Promise<Record<string, string>>;
  tail(i: number, n?: number): string;
  /** Kill every node and remove everything (also done at the end of the test file). */
  close(): Promise<void>;
}

export interface MariaOptions {
  /** How many nodes (Galera; default 3). */
  nodes?: number;
  /** Run on this private network (node i on net.nodes[i]); default: a new one, removed with the cluster. */
  net?: PrivateNet;
  /** How long one node may take to start (default 120 s). */
  startTimeoutMs?: number;
}

/** undefined when private MariaDB servers can run here; otherwise the skip reason. Throws in CI. */
export async function mariadbEngineSkip(opts: { galera?: boolean; loopback?: boolean } = {}): Promise<string | undefined> {
  if (!opts.loopback || opts.galera) {
    const ns = await netnsSkip();
    if (ns) return ns;
  }
  const needed: [string, string][] = [
    [MARIADBD, 'mariadb-server'],
    [INSTALL_DB, 'mariadb-server'],
  ];
  if (opts.galera) needed.push([GALERA, 'galera-4'], ['/usr/bin/wsrep_sst_rsync', 'mariadb-server'], ['/usr/bin/rsync', 'rsync']);
  const missing = needed.find(([f]) => !fs.existsSync(f));
  if (!missing) return undefined;
  const reason = `SKIPPED: ${missing[0]} not found (Debian package ${missing[1]})`;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

interface NodeState extends MariaNode {
  proc: NsProcess | null;
}

/** A three-node (by default) Galera cluster, each node in its own namespace. */
export function startGaleraCluster(opts: MariaOptions = {}): Promise<MariaCluster> {
  return start({ ...opts, galera: true, loopback: false });
}

/** One MariaDB server without Galera: on loopback with a free port (default), or in a namespace of its own. */
export function startMariaDB(opts: Omit<MariaOptions, 'nodes'> & { loopback?: boolean } = {}): Promise<MariaCluster> {
  return start({ ...opts, nodes: 1, galera: false, loopback: opts.loopback ?? !opts.net });
}

async function start(opts: MariaOptions & { galera: boolean; loopback: boolean }): Promise<MariaCluster> {
  const started = Date.now();
  const n = opts.nodes ?? 3;
  const startTimeoutMs = opts.startTimeoutMs ?? 120_000;
  const owner = serverOwner();
  const undo: (() => unknown)[] = [];
  const unregister: (() => void)[] = [];
  const track = (what: string, fn: () => unknown) => {
    undo.push(fn);
    unregister.push(onCleanup(what, fn));
  };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), opts.galera ? 'nova-galera-' : 'nova-mariadb-'));
  track(`MariaDB directory ${root}`, () => (process.env.NOVA_TEST_KEEP_ENGINE_DIRS ? undefined : fs.rmSync(root, { recursive: true, force: true })));
  let net: PrivateNet | null = opts.net ?? null;
  const nodes: NodeState[] = [];
  try {
    if (!opts.loopback && !net) {
      const own = await createPrivateNet(n, opts.galera ? 'galera' : 'mariadb');
      net = own;
      track(`private network ${own.bridge}`, () => own.close());
    }
    for (let i = 0; i < n; i++) {
      const dir = path.join(root, `node${i + 1}`);
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      const nn = net?.nodes[i];
      if (net && !nn) throw new Error(`the private network has ${net.nodes.length} nodes, not ${n}`);
      nodes.push({
        index: i,
        name: `node${i + 1}`,
        host: nn ? nn.ip : '127.0.0.1',
        port: nn ? 3306 : await freePort(),
        socket: path.join(dir, 'mysqld.sock'),
        dir,
        ns: nn ? nn.ns : null,
        proc: null,
      });
    }
    const node = (i: number): NodeState => {
      const nd = nodes[i];
      if (!nd) throw new Error(`no MariaDB node ${i} (${nodes.length} nodes)`);
      return nd;
    };
    // The server runs as Debian's mysql user, as under systemd (as root, the rsync daemon of an SST would drop to nobody and write nothing).
    fs.chmodSync(root, 0o755);
    for (const nd of nodes) chownTree(nd.dir, owner);
    const addresses = nodes.map((nd) => nd.host).join(',');
    const cnf = (nd: NodeState) => path.join(nd.dir, 'my.cnf');
    for (const nd of nodes) {
      const lines = [
        '[mysqld]',
        `user = ${owner.name}`,
        `datadir = ${path.join(nd.dir, 'data')}`,
        `socket = ${nd.socket}`,
        `pid-file = ${path.join(nd.dir, 'mysqld.pid')}`,
        `tmpdir = ${nd.dir}`,
        `port = ${nd.port}`,
        `bind-address = ${nd.host}`,
        'skip-name-resolve',
        'character-set-server = utf8mb4',
        'collation-server = utf8mb4_general_ci',
        'max_connections = 500',
        // Small and fast: throwaway test data.
        'innodb_buffer_pool_size = 64M',
        'innodb_log_file_size = 16M',
        'innodb_flush_log_at_trx_commit = 2',
        'performance_schema = OFF',
        'skip-log-bin',
      ];
      if (opts.galera) {
        lines.push(
          'binlog_format = ROW',
          'default_storage_engine = InnoDB',
          'innodb_autoinc_lock_mode = 2',
          'wsrep_on = ON',
          `wsrep_provider = ${GALERA}`,
          `wsrep_cluster_name = nova-${path.basename(root)}`,
          `wsrep_cluster_address = gcomm://${addresses}`,
          `wsrep_node_address = ${nd.host}`,
          `wsrep_node_name = ${nd.name}`,
          `wsrep_sst_method = ${SST_METHOD}`,
          `wsrep_sst_receive_address = ${nd.host}`,
          // Notice a dead node within seconds (defaults: suspect 5 s, inactive 15 s), with a small gcache in the datadir.
          `wsrep_provider_options = "gcache.size=64M;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT3S;evs.install_timeout=PT3S"`,
        );
      }
      fs.writeFileSync(cnf(nd), `${lines.join('\n')}\n`);
    }

    const runIn = (nd: NodeState, cmd: string, args: readonly string[], timeoutMs = 120_000) =>
      nd.ns === null ? sh(cmd, args, { timeoutMs }) : sh('ip', ['netns', 'exec', nd.ns, cmd, ...args], { timeoutMs });

    const install = (nd: NodeState) =>
      runIn(nd, INSTALL_DB, [
        `--defaults-file=${cnf(nd)}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        // The system tables only: no Galera while bootstrapping them.
        '--wsrep-on=OFF',
      ]);

    const query = async (sql: string, i?: number): Promise<RowDataPacket[]> => {
      const nd = i === undefined ? (nodes.find((x) => x.proc?.running) ?? node(0)) : node(i);
      const { createConnection } = await import('mysql2/promise');
      const c = await createConnection({ socketPath: nd.socket, user: 'root', password: '', connectTimeout: 5000 });
      try {
        const [rows] = await c.query<RowDataPacket[]>(sql);
        return rows;
      } finally {
        await c.end().catch(() => undefined);
      }
    };

    const wsrep = async (i: number): Promise<Record<string, string>> => {
      const rows = await query("SHOW STATUS LIKE 'wsrep%'", i);
      return Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
    };

    /** Wait until node i takes connections and (Galera) is Synced in the primary component. */
    const ready = async (nd: NodeState): Promise<void> => {
      const proc = nd.proc;
      if (!proc) throw new Error(`${nd.name} is not started`);
      const deadline = Date.now() + startTimeoutMs;
      await proc.waitFor(/ready for connections/, startTimeoutMs);
      if (!opts.galera) return;
      for (;;) {
        const s = await wsrep(nd.index).catch(() => null);
        if (s && s.wsrep_ready === 'ON' && s.wsrep_local_state_comment === 'Synced' && s.wsrep_cluster_status === 'Primary') return;
        if (!proc.running) throw new Error(`${nd.name} exited before it was Synced:\n${proc.tail()}`);
        if (Date.now() > deadline) throw new Error(`${nd.name} not Synced after ${startTimeoutMs} ms (${JSON.stringify(s)}):\n${proc.tail()}`);
        await sleep(100);
      }
    };

    const spawn = (nd: NodeState, extra: readonly string[]) => {
      nd.proc = new NsProcess(`mariadbd ${nd.name}${opts.galera ? ' (Galera)' : ''}`, nd.ns, MARIADBD, [`--defaults-file=${cnf(nd)}`, ...extra], {
        logFile: path.join(nd.dir, 'mariadbd.log'),
        cleanupSignal: 'SIGKILL',
      });
      return nd.proc;
    };

    /** The position a node that died holds (galera_recovery's job under systemd). */
    const recoveredPosition = async (nd: NodeState): Promise<string | null> => {
      const log = path.join(nd.dir, 'wsrep-recover.log');
      fs.rmSync(log, { force: true });
      await runIn(nd, MARIADBD, [`--defaults-file=${cnf(nd)}`, '--wsrep-recover', `--log-error=${log}`]).catch(() => undefined);
      const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
      const m = /WSREP: Recovered position: (\S+:-?\d+)/.exec(text);
      return m && !m[1]?.endsWith(':-1') ? (m[1] ?? null) : null;
    };

    const grastate = (nd: NodeState) => path.join(nd.dir, 'data', 'grastate.dat');

    const boot = async (nd: NodeState, first: boolean): Promise<void> => {
      const extra: string[] = [];
      if (opts.galera) {
        const others = nodes.filter((x) => x !== nd && x.proc?.running);
        if (others.length === 0) {
          // No cluster to join: this node bootstraps one (marked safe to, as an operator would after checking it is the most advanced).
          const gs = grastate(nd);
          if (fs.existsSync(gs)) fs.writeFileSync(gs, fs.readFileSync(gs, 'utf8').replace(/safe_to_bootstrap:\s*0/, 'safe_to_bootstrap: 1'));
          extra.push('--wsrep-new-cluster');
        } else {
          // The donor: the last running node (clients write to the first one that answers; an rsync SST blocks its donor's writes).
          const donor = others[others.length - 1];
          if (donor) extra.push(`--wsrep_sst_donor=${donor.name},`);
        }
        if (!first) {
          const pos = await recoveredPosition(nd);
          if (pos) extra.push(`--wsrep_start_position=${pos}`);
        }
      }
      spawn(nd, extra);
      await ready(nd);
    };

    /** root without a password from the network too (the system tables are made with --skip-grant-tables, so not there). */
    const grantRemoteRoot = async (i: number) => {
      await query("CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ''", i);
      await query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION", i);
    };

    if (opts.galera) {
      const [head, ...rest] = nodes;
      if (!head) throw new Error('a Galera cluster needs a node');
      await install(head);
      await boot(head, true);
      await grantRemoteRoot(0);
      // Joiners start with an empty datadir and receive it by SST (several at once: Galera queues them on its donors).
      await Promise.all(rest.map((nd) => boot(nd, true)));
    } else {
      const nd = node(0);
      await install(nd);
      await boot(nd, true);
      await grantRemoteRoot(0);
    }
    const startMs = Date.now() - started;

    let closed = false;
    return {
      nodes,
      net,
      galera: opts.galera,
      startMs,
      url: (database, order = nodes.map((x) => x.index)) =>
        `mysql+pymysql://root:@${order.map((i) => `${node(i).host}:${node(i).port}`).join(',')}/${encodeURIComponent(database)}`,
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
        await boot(nd, false);
        return Date.now() - t0;
      },
      query,
      wsrep,
      tail: (i, lines = 30) => node(i).proc?.tail(lines) ?? '',
      async close() {
        if (closed) return;
        closed = true;
        await runAll([...nodes.map((nd) => () => nd.proc?.killed()), ...undo.reverse()]);
        for (const u of unregister) u();
      },
    };
  } catch (e) {
    await runAll([...nodes.map((nd) => () => nd.proc?.killed()), ...undo.reverse()]);
    for (const u of unregister) u();
    throw e;
  }
}
