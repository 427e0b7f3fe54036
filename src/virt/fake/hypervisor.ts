/**
 * The fake hypervisor of one host: its guests, in memory, shared by every
 * driver object built for the host in this process (as real guests outlive
 * nova-compute). With a guests file (`[fake] guests_file`) it is written
 * there on every change and read back at start, so the guests also outlive
 * the nova-compute process, a SIGKILL included — and a test can look at
 * them from outside, as one looks at a real hypervisor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PowerState } from '../../objects/states.ts';
import type { BlockDeviceInfo } from '../driver.ts';

export interface FakeGuest {
  uuid: string;
  state: PowerState;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  console: string[];
  /** The ports whose VIFs are plugged into the guest (at spawn and by attach_interface). */
  vifs?: string[];
  /** The volumes the guest has (at spawn and by attach_volume). */
  disks?: FakeDisk[];
}

/** A volume disk of a fake guest: where it is and what it was attached from. */
export interface FakeDisk {
  volume_id: string;
  mount_device: string;
  driver_volume_type: string;
  tag: string | null;
}

/** The driver calls that are given the instance's volumes (block device info). */
export type FakeBlockDeviceCall = 'spawn' | 'finish_migration' | 'finish_revert_migration' | 'pre_live_migration';

const STATES: readonly number[] = Object.values(PowerState);

function isGuest(v: unknown): v is FakeGuest {
  if (v === null || typeof v !== 'object') return false;
  const g: Record<string, unknown> = { ...v };
  return (
    typeof g.uuid === 'string' &&
    typeof g.state === 'number' &&
    STATES.includes(g.state) &&
    typeof g.vcpus === 'number' &&
    typeof g.memoryMb === 'number' &&
    typeof g.diskGb === 'number' &&
    Array.isArray(g.console)
  );
}

export class FakeHypervisor {
  readonly guests = new Map<string, FakeGuest>();
  /** Guests a cold move left powered off on this (source) host until it is confirmed or reverted. */
  readonly resizeSources = new Map<string, FakeGuest>();
  /** Live migrations running from this host, by instance: how they are to end. */
  readonly liveMigrations = new Map<string, { finish: 'complete' | 'abort' | null }>();
  /**
   * The block device info each call last got, per instance (null: none), in
   * memory only: what tests look at to see that a host was given the
   * volumes with its own connection info. Dropped with the guest.
   */
  readonly blockDevices = new Map<string, Partial<Record<FakeBlockDeviceCall, BlockDeviceInfo | null>>>();
  /** Images pre-cached on this host (os-aggregates/{id}/images), in memory only. */
  readonly cachedImages = new Set<string>();

  constructor(readonly file: string | null) {
    if (file) this.load(file);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return; // a new host: no guests yet
    }
    const list: unknown = JSON.parse(text);
    if (!Array.isArray(list)) throw new Error(`${file}: not a list of fake guests`);
    for (const g of list) if (isGuest(g)) this.guests.set(g.uuid, g);
  }

  /** Record what `call` got for the instance; answers it. */
  recordBlockDevices(call: FakeBlockDeviceCall, uuid: string, info: BlockDeviceInfo | undefined): BlockDeviceInfo | undefined {
    this.blockDevices.set(uuid, { ...this.blockDevices.get(uuid), [call]: info ?? null });
    return info;
  }

  /** Write the guests out (atomically) when there is a file. */
  save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify([...this.guests.values()]));
    fs.renameSync(tmp, this.file);
  }
}

const HYPERVISORS = new Map<string, FakeHypervisor>();

/** The fake hypervisor of `host` in this process (created on first use, from `file` when given). */
export function hypervisorOf(host: string, file: string | null): FakeHypervisor {
  const key = `${host}\u0000${file ?? ''}`;
  let hv = HYPERVISORS.get(key);
  if (!hv) {
    hv = new FakeHypervisor(file);
    HYPERVISORS.set(key, hv);
  }
  return hv;
}
