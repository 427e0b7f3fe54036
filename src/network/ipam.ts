/**
 * IP address management in the database (Neutron's pluggable IPAM with its
 * reference driver, reduced): a port's fixed IPs are chosen from the
 * subnets' allocation pools, or checked when asked for, and recorded in
 * ip_allocations, whose primary key (subnet, address) refuses an address
 * that is taken. A port is written in one transaction with its addresses;
 * when a concurrent creation took a chosen address first, the transaction
 * is rolled back and the choice made again (randomly among the first free
 * addresses, so that concurrent creations spread out).
 */
import { randomBytes } from 'node:crypto';
import { type Doc, isDuplicate, type ResourceStore } from './db/store.ts';
import { conflict, invalidInput, NeutronError } from './errors.ts';
import { contains, formatIp, lastAddress, parseIp } from './ip.ts';
import { cidrOf, poolsOf } from './subnets.ts';

/** One of a port's addresses. */
export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

/** A port's addresses with whether each was asked for by address. */
interface Planned extends FixedIp {
  explicit: boolean;
}

/** Thrown inside the port's transaction to roll it back and choose again. */
class Retry extends Error {}

const ipInUse = (netId: string, ip: string) => conflict('IpAddressInUse', `Unable to complete operation for network ${netId}. The IP address ${ip} is in use.`);
const exhausted = (netId: string) => conflict('IpAddressGenerationFailure', `No more IP addresses available on network ${netId}.`);

/** A free address of the subnet (the first, or on a retry a random one of the first 64); null when the pools are full. */
function pickFree(subnet: Doc, taken: Set<string>, spread: boolean): string | null {
  const version = cidrOf(subnet).version;
  const free: string[] = [];
  for (const pool of poolsOf(subnet)) {
    for (let v = pool.first; v <= pool.last && free.length < (spread ? 64 : 1); v++) {
      const ip = formatIp({ version, value: v });
      if (!taken.has(ip)) free.push(ip);
    }
    if (free.length >= (spread ? 64 : 1)) break;
  }
  return free.length ? (free[spread ? Math.floor(Math.random() * free.length) : 0] ?? null) : null;
}

/** check_subnet_ip: an address of the subnet that is neither its network address nor (IPv4) its broadcast. */
function validForSubnet(subnet: Doc, ip: string): boolean {
  const c = cidrOf(subnet);
  const a = parseIp(ip);
  if (!a || !contains(c, a)) return false;
  if (c.prefix >= (c.version === 4 ? 31 : 127)) return true;
  return a.value !== c.network && (c.version === 6 || a.value !== lastAddress(c));
}

/**
 * The addresses for a port on `network`: those `requested` (each
 * `{subnet_id?, ip_address?}`), or when none were given one from the first
 * IPv4 and one from the first IPv6 subnet with room. `keep`: addresses the
 * port has already (an update), kept without a new allocation.
 */
async function plan(
  store: ResourceStore,
  networkId: string,
  requested: readonly Record<string, unknown>[] | undefined,
  keep: readonly FixedIp[],
  spread: boolean,
): Promise<Planned[]> {
  const subnets = await store.list('subnets', { parent_id: networkId });
  const taken = new Map<string, Set<string>>();
  for (const a of await store.allocated(subnets.map((s) => s.id))) {
    const set = taken.get(a.subnet_id) ?? new Set<string>();
    set.add(a.ip_address);
    taken.set(a.subnet_id, set);
  }
  const takenOn = (id: string) => taken.get(id) ?? new Set<string>();
  const out: Planned[] = [];
  const choose = (subnet: Doc): void => {
    const set = takenOn(subnet.id);
    const ip = pickFree(subnet, set, spread);
    if (!ip) throw exhausted(networkId);
    set.add(ip);
    out.push({ subnet_id: subnet.id, ip_address: ip, explicit: false });
  };
  if (requested === undefined) {
    for (const version of [4, 6]) {
      const candidates = subnets.filter((s) => s.ip_version === version);
      const withRoom = candidates.find((s) => pickFree(s, takenOn(s.id), false) !== null);
      if (withRoom) choose(withRoom);
      else if (candidates.length && version === 4) throw exhausted(networkId);
    }
    return out;
  }
  for (const r of requested) {
    const ipText = typeof r.ip_address === 'string' ? formatIp(parseIp(r.ip_address) ?? { version: 4, value: 0n }) : undefined;
    if (typeof r.subnet_id === 'string') {
      const subnet = subnets.find((s) => s.id === r.subnet_id);
      if (!subnet) throw invalidInput(`Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${r.subnet_id}`);
      if (ipText === undefined) {
        choose(subnet);
        continue;
      }
      if (!validForSubnet(subnet, ipText)) throw new NeutronError(400, 'InvalidIpForSubnet', `IP address ${ipText} is not a valid IP for the specified subnet.`);
      const kept = keep.some((k) => k.subnet_id === subnet.id && k.ip_address === ipText);
      if (!kept && takenOn(subnet.id).has(ipText)) throw ipInUse(networkId, ipText);
      out.push({ subnet_id: subnet.id, ip_address: ipText, explicit: true });
      continue;
    }
    if (ipText === undefined) throw invalidInput('IP allocation requires subnet_id or ip_address');
    const subnet = subnets.find((s) => validForSubnet(s, ipText));
    if (!subnet) throw new NeutronError(400, 'InvalidIpForNetwork', `IP address ${ipText} is not a valid IP for any of the subnets on the specified network.`);
    const kept = keep.some((k) => k.subnet_id === subnet.id && k.ip_address === ipText);
    if (!kept && takenOn(subnet.id).has(ipText)) throw ipInUse(networkId, ipText);
    out.push({ subnet_id: subnet.id, ip_address: ipText, explicit: true });
  }
  return out;
}

/** A MAC address with the base MAC's first three octets and three random ones. */
export function randomMac(baseMac: string): string {
  const base = baseMac.split(':').slice(0, 3);
  return [...base, ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':').toLowerCase();
}

/** What {@link writePort} stores. */
export interface PortWrite {
  /** The port without fixed_ips and mac_address (filled in here). */
  readonly doc: Doc;
  readonly networkId: string;
  /** The addresses asked for; undefined: one per IP version, automatically. */
  readonly requested?: readonly Record<string, unknown>[];
  /** A MAC asked for; undefined: a random one. */
  readonly mac?: string;
  readonly baseMac: string;
  /** The port exists (an update): its current addresses, kept where requested again. */
  readonly existing?: readonly FixedIp[];
  /** Run inside the transaction after the port is written (e.g. a floating IP's own row). */
  readonly also?: (store: ResourceStore, port: Doc) => Promise<void>;
}

const MAX_ATTEMPTS = 40;

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

/**
 * Create (or, with `existing`, update) a port with its addresses and MAC in
 * one transaction, choosing again when a concurrent writer took an address
 * or MAC first. Returns the stored port.
 */
export async function writePort(store: ResourceStore, w: PortWrite): Promise<Doc> {
  for (let attempt = 0; ; attempt++) {
    const planned = await plan(store, w.networkId, w.requested, w.existing ?? [], attempt > 0);
    const mac = w.mac ?? (w.existing ? String(w.doc.mac_address) : randomMac(w.baseMac));
    const fixed: FixedIp[] = planned.map(({ subnet_id, ip_address }) => ({ subnet_id, ip_address }));
    const pairs = Array.isArray(w.doc.allowed_address_pairs) ? (w.doc.allowed_address_pairs as Record<string, unknown>[]) : [];
    // Address pairs without a MAC take the port's.
    const port: Doc = { ...w.doc, mac_address: mac, fixed_ips: fixed, allowed_address_pairs: pairs.map((p) => ({ ...p, mac_address: p.mac_address ?? mac })) };
    try {
      return await store.transaction(async (s) => {
        const keep = new Set(fixed.map((f) => `${f.subnet_id} ${f.ip_address}`));
        const old = w.existing ?? [];
        await s.release(
          port.id,
          old.filter((o) => !keep.has(`${o.subnet_id} ${o.ip_address}`)),
        );
        const had = new Set(old.map((o) => `${o.subnet_id} ${o.ip_address}`));
        for (const p of planned) {
          if (had.has(`${p.subnet_id} ${p.ip_address}`)) continue;
          try {
            await s.allocate([{ subnet_id: p.subnet_id, ip_address: p.ip_address, network_id: w.networkId, port_id: port.id }]);
          } catch (e) {
            if (!isDuplicate(e)) throw e;
            if (p.explicit) throw ipInUse(w.networkId, p.ip_address);
            throw new Retry();
          }
        }
        let stored: Doc | null;
        try {
          stored = w.existing
            ? await s.update('ports', port, { unique_key: mac, ref_id: String(port.device_id ?? '') })
            : await s.insert('ports', port, { parent_id: w.networkId, ref_id: String(port.device_id ?? ''), unique_key: mac });
        } catch (e) {
          if (!isDuplicate(e)) throw e;
          if (w.mac !== undefined) throw conflict('MacAddressInUse', `Unable to complete operation for network ${w.networkId}. The mac address ${mac} is in use.`);
          throw new Retry();
        }
        if (!stored) throw new NeutronError(404, 'PortNotFound', `Port ${port.id} could not be found.`);
        await w.also?.(s, stored);
        return stored;
      });
    } catch (e) {
      if (!(e instanceof Retry) && !isRetryable(e)) throw e;
      if (attempt >= MAX_ATTEMPTS) throw exhausted(w.networkId);
    }
  }
}
