/**
 * A network service with its dataplane agents on hosts that are network
 * namespaces: nova-network (SQLite, noauth2) in the root namespace, and a
 * nova-network-agent inside each host of a private network (netns.ts),
 * reaching nova-network over RabbitMQ through a proxy on the bridge; each
 * host's `[vxlan] local_ip` is its address there. Guests are namespaces
 * with a veth whose host side is named as Nova names taps and sits in the
 * host's namespace, with the port's MAC.
 *
 * Everything (namespaces the agents made — qdhcp-, qrouter- —, guests,
 * processes, the vhost) is registered for the end of the test file, also
 * when the setup fails half way.
 */
import path from 'node:path';
import { createRabbitVhost, RABBIT_HOST, RABBIT_PORT } from './backends.ts';
import { createPrivateNet, NsProcess, type PrivateNet, sh } from './netns.ts';
import { type Binary, Daemon, freePort, onCleanup, ROOT, run, runAll, tmpDir, until, writeConf } from './procs.ts';
import { startTcpProxy } from './tcp-proxy.ts';

export interface AgentHost {
  readonly host: string;
  readonly ns: string;
  readonly ip: string;
  readonly roles: readonly string[];
  proc: NsProcess;
}

export interface Guest {
  readonly ns: string;
  exec(cmd: string, args: readonly string[], opts?: { allowFailure?: boolean; timeoutMs?: number }): ReturnType<typeof sh>;
}

export interface NetworkLab {
  readonly dir: string;
  readonly net: PrivateNet;
  readonly url: string;
  readonly hosts: AgentHost[];
  /** A request to nova-network as the admin (noauth2). */
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Stop host `i`'s agent (SIGKILL: the dataplane stays) and start it again. */
  killAgent(i: number): Promise<void>;
  startAgent(i: number): Promise<void>;
  /** A guest on host `i` plugged as port `port` (its tap in the host, eth0 with the port's MAC). */
  guest(i: number, port: { id: string; mac_address: string }): Promise<Guest>;
  /** Remove a namespace an agent made (and everything running in it) at the end of the file; call once its name is known. */
  forget(ns: string): void;
  stop(): Promise<void>;
}

async function removeNs(ns: string): Promise<void> {
  const pids = (await sh('ip', ['netns', 'pids', ns], { allowFailure: true })).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
  for (const p of pids) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      // gone
    }
  }
  await sh('ip', ['netns', 'del', ns], { allowFailure: true });
}

export async function startNetworkLab(specs: { host: string; roles: string[] }[], extra: Record<string, Record<string, string | number | boolean>> = {}): Promise<NetworkLab> {
  const dir = tmpDir('nova-netlab-');
  const daemons: Daemon[] = [];
  const extraNs = new Set<string>();
  let vhost: ReturnType<typeof createRabbitVhost> | undefined;
  let net: PrivateNet | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= runAll([() => net?.close(), ...[...extraNs].map((ns) => () => removeNs(ns)), () => Promise.all(daemons.map((d) => d.stop())), () => vhost?.drop()]).finally(
      unregister,
    );
    return stopping;
  };
  const unregister = onCleanup(`network lab in ${dir}`, stop);
  try {
    net = await createPrivateNet(specs.length, 'nvq');
    vhost = createRabbitVhost();
    const rabbit = await startTcpProxy(RABBIT_HOST, RABBIT_PORT, net.hostIp);
    const port = await freePort();
    const common = {
      DEFAULT: { transport_url: vhost.url, state_path: path.join(dir, 'state'), report_interval: 1 },
      database: { connection: `sqlite:///${path.join(dir, 'nova.sqlite')}` },
      api: { auth_strategy: 'noauth2' },
      neutron_server: { bind_host: '127.0.0.1', bind_port: port, agent_down_time: 5 },
    };
    const merged: Record<string, Record<string, string | number | boolean>> = { ...extra };
    for (const [g, opts] of Object.entries(common)) merged[g] = { ...opts, ...(extra[g] ?? {}) };
    const conf = writeConf(path.join(dir, 'nova.conf'), merged);
    const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
    if (sync.code !== 0) throw new Error(`db sync failed: ${sync.stderr}`);
    const server = new Daemon('nova-network', 'nova-network' as Binary, ['--config-file', conf]);
    daemons.push(server);
    await server.waitFor(/Network API listening/);
    const url = `http://127.0.0.1:${port}`;
    const busUrl = `rabbit://guest:guest@${net.hostIp}:${rabbit.port}/${vhost.vhost}`;
    const privateNet = net;
    const hosts: AgentHost[] = [];
    const agentConf = (i: number) => {
      const spec = specs[i] as { host: string; roles: string[] };
      const node = privateNet.nodes[i];
      if (!node) throw new Error(`no node ${i}`);
      return writeConf(path.join(dir, `${spec.host}.conf`), {
        ...extra,
        // nova-api-metadata, when a test runs one, listens in the root namespace: the agents' metadata proxies reach it there.
        DEFAULT: { host: spec.host, my_ip: node.ip, transport_url: busUrl, state_path: path.join(dir, spec.host), nova_metadata_host: privateNet.hostIp, ...(extra.DEFAULT ?? {}) },
        agent: { roles: spec.roles.join(','), polling_interval: 1, report_interval: 1, ...(extra.agent ?? {}) },
      });
    };
    // nsenter (not `ip netns exec`): the agent keeps the root mount namespace, so the namespaces it adds (qdhcp-, qrouter-) are seen by everyone, as on a real host.
    const spawnAgent = (i: number) =>
      new NsProcess(
        `agent ${specs[i]?.host}`,
        null,
        'nsenter',
        [`--net=/run/netns/${privateNet.nodes[i]?.ns}`, process.execPath, path.join(ROOT, 'bin', 'nova-network-agent.js'), '--config-file', agentConf(i)],
        { env: { ...process.env, NOVA_LOG_LEVEL: 'info' }, logFile: path.join(dir, `${specs[i]?.host}.log`) },
      );
    for (const [i, spec] of specs.entries()) {
      const node = net.nodes[i];
      if (!node) throw new Error(`no node ${i}`);
      hosts.push({ host: spec.host, ns: node.ns, ip: node.ip, roles: spec.roles, proc: spawnAgent(i) });
    }
    const api: NetworkLab['api'] = async (method, p, body, token = 'admin:admin') => {
      const res = await fetch(`${url}${p}`, {
        method,
        headers: { 'x-auth-token': token, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    await until(
      async () => {
        const r = await api('GET', '/v2.0/agents');
        const agents = (r.body.agents ?? []) as { alive: boolean }[];
        return agents.filter((a) => a.alive).length >= specs.reduce((n, s) => n + s.roles.length, 0);
      },
      60_000,
      'every agent alive',
    );
    let guests = 0;
    return {
      dir,
      net,
      url,
      hosts,
      api,
      async killAgent(i) {
        await hosts[i]?.proc.killed();
      },
      async startAgent(i) {
        const h = hosts[i];
        if (h) h.proc = spawnAgent(i);
      },
      async guest(i, port) {
        const h = hosts[i];
        if (!h) throw new Error(`no host ${i}`);
        const ns = `${h.ns}-g${++guests}`;
        extraNs.add(ns);
        await sh('ip', ['netns', 'add', ns]);
        const tap = `tap${port.id.slice(0, 11)}`;
        await sh('ip', ['-n', h.ns, 'link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', port.mac_address]);
        await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        await sh('ip', ['-n', h.ns, 'link', 'set', tap, 'up']);
        return { ns, exec: (cmd, args, opts) => sh('ip', ['netns', 'exec', ns, cmd, ...args], opts) };
      },
      forget(ns) {
        extraNs.add(ns);
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
