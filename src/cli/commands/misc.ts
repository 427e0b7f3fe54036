import { atLeast } from '../apiversion.ts';
import { CommandError, isStatus } from '../errors.ts';
import { type Json, listTable } from '../format.ts';
import type { Session } from '../session.ts';

/** One availability zone from os-availability-zone(/detail). */
interface Zone {
  zoneName?: string;
  zoneState?: { available?: boolean };
  hosts?: Record<string, Record<string, { active?: boolean; available?: boolean; updated_at?: string | null }>> | null;
}

/** novaclient's tree of zones, hosts and services: `|- host`, `| |- nova-compute`. */
export function zoneRows(zones: readonly Zone[]): string[][] {
  const rows: string[][] = [];
  for (const z of zones) {
    rows.push([String(z.zoneName ?? ''), z.zoneState?.available ? 'available' : 'not available']);
    for (const host of Object.keys(z.hosts ?? {}).sort()) {
      rows.push([`|- ${host}`, '']);
      for (const [svc, st] of Object.entries(z.hosts?.[host] ?? {})) {
        rows.push([`| |- ${svc}`, `${st.active ? 'enabled' : 'disabled'} ${st.available ? ':-)' : 'XXX'} ${st.updated_at ?? 'None'}`]);
      }
    }
  }
  return rows;
}

/** `nova availability-zone-list`: the detailed tree, or the plain list when policy forbids details. */
export async function availabilityZoneList(s: Session): Promise<void> {
  let zones: Zone[];
  try {
    zones = (await s.client.get<{ availabilityZoneInfo: Zone[] }>('/os-availability-zone/detail')).availabilityZoneInfo ?? [];
  } catch (e) {
    if (!isStatus(e, 403)) throw e;
    zones = (await s.client.get<{ availabilityZoneInfo: Zone[] }>('/os-availability-zone')).availabilityZoneInfo ?? [];
  }
  s.out.print(listTable(['Name', 'Status'], zoneRows(zones)));
}

/** `nova keypair-list [--user U]`: Name, Type (2.2+), Fingerprint. */
export async function keypairList(s: Session, o: { user?: string } = {}): Promise<void> {
  const v = await s.client.apiVersion();
  if (o.user !== undefined && !atLeast(v, '2.10')) throw new CommandError("'user' argument is only allowed since microversion 2.10.");
  const { keypairs } = await s.client.get<{ keypairs: { keypair: Json }[] }>('/os-keypairs', { user_id: o.user });
  const typed = atLeast(v, '2.2');
  const headers = typed ? ['Name', 'Type', 'Fingerprint'] : ['Name', 'Fingerprint'];
  const rows = (keypairs ?? []).map(({ keypair: k }) => (typed ? [k.name, k.type, k.fingerprint] : [k.name, k.fingerprint]));
  s.out.print(listTable(headers, rows));
}
