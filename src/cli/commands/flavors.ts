import { atLeast } from '../apiversion.ts';
import { type Json, listTable, pyFloat } from '../format.ts';
import type { Session } from '../session.ts';

/** The row of a flavor in novaclient's flavor-list. */
export function flavorRow(f: Json, description: boolean): unknown[] {
  const row = [f.id, f.name, f.ram, f.disk, f['OS-FLV-EXT-DATA:ephemeral'] ?? 'N/A', f.swap, f.vcpus, pyFloat(f.rxtx_factor), f['os-flavor-access:is_public'] ?? 'N/A'];
  if (description) row.push(f.description);
  return row;
}

/** `nova flavor-list [--all]`: ID, Name, Memory_MiB, Disk, Ephemeral, Swap, VCPUs, RXTX_Factor, Is_Public (, Description from 2.55). */
export async function flavorList(s: Session, o: { all?: boolean } = {}): Promise<void> {
  const { flavors } = await s.client.get<{ flavors: Json[] }>('/flavors/detail', { is_public: o.all ? 'None' : undefined });
  const description = atLeast(await s.client.apiVersion(), '2.55');
  const headers = ['ID', 'Name', 'Memory_MiB', 'Disk', 'Ephemeral', 'Swap', 'VCPUs', 'RXTX_Factor', 'Is_Public'];
  if (description) headers.push('Description');
  s.out.print(
    listTable(
      headers,
      (flavors ?? []).map((f) => flavorRow(f, description)),
    ),
  );
}
