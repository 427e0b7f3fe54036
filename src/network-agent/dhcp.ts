/**
 * The DHCP agent's dataplane: for each DHCP port bound to this host
 * (device_owner network:dhcp, created by nova-network for the host's DHCP
 * agent), a namespace `qdhcp-<network>` holding the port's `ns-` side of a
 * veth pair (its `tap` side on the network's bridge), and Debian's dnsmasq
 * in it answering DHCP from the ports of the network only (static ranges:
 * a hosts file of MAC → address, as Neutron's Dnsmasq driver writes it;
 * the gateway, DNS servers and host routes as options). A changed hosts or
 * options file is re-read on SIGHUP; changed subnets restart dnsmasq.
 * dnsmasq outlives the agent. With `metadata` (enable_isolated_metadata),
 * each namespace also serves the metadata service (metadata.ts): the
 * address 169.254.169.254, a proxy on it, and a DHCP route to it by the
 * DHCP port's address. What this agent made is recorded under
 * `<state_path>/dhcp/<network>`: a network no longer served there loses its
 * dnsmasq, namespace and directory, also after a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentPort, AgentSubnet, HostState } from '../network/rpc-types.ts';
import type { RoleDriver } from './agent.ts';
import { names, namespaces, run } from './exec.ts';
import { ensureProxy, METADATA_IP, type MetadataAgent, removeProxy } from './metadata.ts';
import { plugVeth, prefixOf } from './plug.ts';

export interface DhcpSettings {
  readonly host: string;
  readonly stateDir: string;
  readonly dnsDomain: string;
  /** Serve the metadata service on the networks (null: enable_isolated_metadata off). */
  readonly metadata: { readonly agent: MetadataAgent; readonly socket: string } | null;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

function maskOf(cidr: string): string {
  const bits = Number(prefixOf(cidr));
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** The three files dnsmasq reads: its arguments (a change restarts it), the hosts and the options (a change is a SIGHUP). */
export function dnsmasqFiles(
  dir: string,
  dev: string,
  subnets: readonly AgentSubnet[],
  ports: readonly AgentPort[],
  domain: string,
  /** The DHCP port whose address on each subnet is the route to the metadata address (null: no metadata route). */
  metadataVia: AgentPort | null = null,
): { args: string[]; hosts: string; opts: string } {
  const v4 = subnets.filter((s) => s.enable_dhcp && s.ip_version === 4);
  const ids = new Set(v4.map((s) => s.id));
  const hosts = ports
    .flatMap((p) => p.fixed_ips.filter((f) => ids.has(f.subnet_id)).map((f) => `${p.mac_address},host-${f.ip_address.replaceAll('.', '-')}.${domain},${f.ip_address}\n`))
    .join('');
  const opts = v4
    .flatMap((s) => {
      const tag = `tag:subnet-${s.id}`;
      const lines = [s.gateway_ip ? `${tag},option:router,${s.gateway_ip}` : `${tag},option:router`];
      if (s.dns_nameservers.length) lines.push(`${tag},option:dns-server,${s.dns_nameservers.join(',')}`);
      const routes = s.host_routes.map((r) => `${r.destination},${r.nexthop}`);
      const via = metadataVia?.fixed_ips.find((f) => f.subnet_id === s.id)?.ip_address;
      if (via) routes.push(`${METADATA_IP}/32,${via}`);
      // A client given classless static routes ignores the router option (RFC 3442): the default route goes with them.
      if (routes.length && s.gateway_ip) routes.push(`0.0.0.0/0,${s.gateway_ip}`);
      if (routes.length) lines.push(`${tag},option:classless-static-route,${routes.join(',')}`, `${tag},249,${routes.join(',')}`);
      return lines;
    })
    .map((l) => `${l}\n`)
    .join('');
  const args = [
    '--no-hosts',
    '--no-resolv',
    '--port=0',
    '--conf-file=/dev/null',
    // Keeps root: it re-reads the hosts and options files under state_path on SIGHUP, which need not be readable by the dnsmasq user.
    '--user=root',
    `--pid-file=${path.join(dir, 'pid')}`,
    `--dhcp-hostsfile=${path.join(dir, 'host')}`,
    `--dhcp-optsfile=${path.join(dir, 'opts')}`,
    `--dhcp-leasefile=${path.join(dir, 'leases')}`,
    '--dhcp-authoritative',
    `--log-facility=${path.join(dir, 'log')}`,
    '--bind-interfaces',
    `--interface=${dev}`,
    '--except-interface=lo',
    `--domain=${domain}`,
    ...v4.map((s) => `--dhcp-range=set:subnet-${s.id},${s.cidr.split('/')[0]},static,${maskOf(s.cidr)},86400s`),
  ];
  return { args, hosts, opts };
}

function readPid(dir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8').trim());
    return pid > 0 && fs.existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

function write(file: string, text: string): boolean {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false;
  } catch {
    // new
  }
  fs.writeFileSync(file, text);
  return true;
}

function kill(pid: number | null, signal: NodeJS.Signals): void {
  if (pid === null) return;
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

/** Remove what this agent made for a network it no longer serves. */
async function unserve(root: string, networkId: string, log: DhcpSettings['log']): Promise<void> {
  const dir = path.join(root, networkId);
  kill(readPid(dir), 'SIGKILL');
  removeProxy(dir);
  await run('ip', ['netns', 'del', names.dhcpNamespace(networkId)], { allowFailure: true });
  fs.rmSync(dir, { recursive: true, force: true });
  log.info({ network_id: networkId }, 'DHCP removed');
}

/** Serve DHCP for every network with a DHCP port of this host; stop serving the others. */
export async function syncDhcp(state: HostState, s: DhcpSettings): Promise<{ networks: number; ports: number; subnets: number }> {
  const root = path.join(s.stateDir, 'dhcp');
  fs.mkdirSync(root, { recursive: true });
  s.metadata?.agent.update(state);
  if (s.metadata) await s.metadata.agent.start();
  const mine = state.ports.filter((p) => p.device_owner === 'network:dhcp' && p.host === s.host);
  const nsList = await namespaces();
  let served = 0;
  let subnetCount = 0;
  for (const port of mine) {
    const subnets = state.subnets.filter((x) => x.network_id === port.network_id && x.enable_dhcp && x.ip_version === 4);
    if (!subnets.length) continue;
    const ns = names.dhcpNamespace(port.network_id);
    const dir = path.join(root, port.network_id);
    fs.mkdirSync(dir, { recursive: true });
    if (!nsList.has(ns)) {
      await run('ip', ['netns', 'add', ns]);
      s.log.info({ network_id: port.network_id, namespace: ns }, 'DHCP namespace created');
    }
    const dev = await plugVeth(ns, 'ns-', port, subnets, s.metadata ? [`${METADATA_IP}/32`] : []);
    const files = dnsmasqFiles(
      dir,
      dev,
      subnets,
      state.ports.filter((p) => p.network_id === port.network_id),
      s.dnsDomain,
      s.metadata ? port : null,
    );
    const hostsChanged = write(path.join(dir, 'host'), files.hosts);
    const reload = write(path.join(dir, 'opts'), files.opts) || hostsChanged;
    const restart = write(path.join(dir, 'args'), JSON.stringify(files.args));
    let pid = readPid(dir);
    if (pid !== null && restart) {
      kill(pid, 'SIGKILL');
      pid = null;
    }
    if (pid === null) {
      await run('ip', ['netns', 'exec', ns, 'dnsmasq', ...files.args]);
      s.log.info({ network_id: port.network_id, namespace: ns }, 'dnsmasq started');
    } else if (reload) kill(pid, 'SIGHUP');
    if (s.metadata) await ensureProxy(ns, dir, port.network_id, s.metadata.socket, s.log);
    else removeProxy(dir);
    served++;
    subnetCount += subnets.length;
  }
  const wanted = new Set(mine.map((p) => p.network_id));
  for (const d of fs.readdirSync(root)) if (!wanted.has(d)) await unserve(root, d, s.log);
  return { networks: served, ports: mine.length, subnets: subnetCount };
}

/** The DHCP role (Neutron's DHCP agent with the Dnsmasq driver). */
export function dhcpRole(s: DhcpSettings): RoleDriver {
  let last = { networks: 0, ports: 0, subnets: 0 };
  return {
    role: 'dhcp',
    async sync(state) {
      last = await syncDhcp(state, s);
    },
    configurations: () => ({
      dhcp_driver: 'dnsmasq',
      networks: last.networks,
      subnets: last.subnets,
      ports: last.ports,
      dhcp_lease_duration: 86400,
      enable_isolated_metadata: s.metadata !== null,
    }),
    stop: async () => {
      await s.metadata?.agent.stop();
    },
  };
}
