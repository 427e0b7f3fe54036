/** A port of a namespace the agents make (DHCP's ns-, a router's qr-/qg-): a veth whose tap side the bridge role plugs into the network's bridge. */
import type { AgentPort, AgentSubnet } from '../network/rpc-types.ts';
import { ip, links, names } from './exec.ts';

export const prefixOf = (cidr: string) => cidr.split('/')[1] ?? '32';

/**
 * The `prefix` side of port's veth in namespace `ns` (made when missing, with the port's MAC), up, holding
 * the port's IPv4 fixed IPs with their subnets' prefixes and `extra` addresses ('a.b.c.d/n'); other IPv4 addresses removed. Returns its name.
 */
export async function plugVeth(ns: string, prefix: 'ns-' | 'qr-' | 'qg-', port: AgentPort, subnets: readonly AgentSubnet[], extra: readonly string[] = []): Promise<string> {
  const tap = names.tap(port.id);
  const dev = names.inner(prefix, port.id);
  const inner = await links(ns);
  if (!inner.has(dev)) {
    await ip(undefined, 'link', 'del', tap).catch(() => undefined);
    await ip(undefined, 'link', 'add', tap, 'type', 'veth', 'peer', 'name', dev, 'netns', ns);
    await ip(ns, 'link', 'set', dev, 'address', port.mac_address);
  }
  await ip(ns, 'link', 'set', 'lo', 'up');
  await ip(ns, 'link', 'set', dev, 'up');
  await ip(undefined, 'link', 'set', tap, 'up');
  const addrs = JSON.parse(await ip(ns, '-j', 'addr', 'show', 'dev', dev)) as { addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  const have = new Set((addrs[0]?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
  const want = [
    ...port.fixed_ips.flatMap((f) => {
      const s = subnets.find((x) => x.id === f.subnet_id);
      return s && s.ip_version === 4 ? [`${f.ip_address}/${prefixOf(s.cidr)}`] : [];
    }),
    ...extra,
  ];
  for (const a of want) if (!have.has(a)) await ip(ns, 'addr', 'add', a, 'dev', dev);
  for (const a of have) if (!want.includes(a)) await ip(ns, 'addr', 'del', a, 'dev', dev);
  return dev;
}
