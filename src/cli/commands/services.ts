import { atLeast } from '../apiversion.ts';
import { type Json, listTable } from '../format.ts';
import type { Session } from '../session.ts';

/** `nova service-list [--host H] [--binary B]`, columns as novaclient (Forced down from 2.11). */
export async function serviceList(s: Session, o: { host?: string; binary?: string } = {}): Promise<void> {
  const { services } = await s.client.get<{ services: Json[] }>('/os-services', { host: o.host, binary: o.binary });
  const forced = atLeast(await s.client.apiVersion(), '2.11');
  const headers = ['Id', 'Binary', 'Host', 'Zone', 'Status', 'State', 'Updated_at', 'Disabled Reason'];
  if (forced) headers.push('Forced down');
  const rows = (services ?? []).map((v) => {
    const row = [v.id, v.binary, v.host, v.zone, v.status, v.state, v.updated_at, v.disabled_reason];
    if (forced) row.push(v.forced_down);
    return row;
  });
  s.out.print(listTable(headers, rows));
}
