/** Availability zone bodies as Nova's availability_zone.py renders them. */
import { isoMicro } from './common.ts';

export interface ZoneHostService {
  available: boolean;
  active: boolean;
  updated_at: string | null;
}

export interface ZoneInfo {
  zoneName: string;
  zoneState: { available: boolean };
  hosts: Record<string, Record<string, ZoneHostService>> | null;
}

/** A zone without its hosts (GET /os-availability-zone, and unavailable zones in detail). */
export function zoneSummary(name: string, available: boolean): ZoneInfo {
  return { zoneName: name, zoneState: { available }, hosts: null };
}

/** One service of a host in the detailed listing. */
export function zoneHostService(alive: boolean, disabled: boolean, updatedAt: string | null): ZoneHostService {
  return { available: alive, active: !disabled, updated_at: isoMicro(updatedAt) };
}
