/**
 * Neutron's nova notifier (neutron/notifiers/nova.py): after a port or a
 * floating IP changes, the server the port belongs to (device_owner
 * compute:…, device_id its uuid) is told through nova's
 * os-server-external-events — network-changed (tag: the port) when a
 * floating IP is associated, disassociated or moved, or the port's fixed
 * IPs change; network-vif-deleted when the port is deleted — so that
 * nova-compute refreshes the server's network info cache. Events are
 * gathered for `[neutron_server] send_events_interval` seconds and sent in
 * one request; a batch nova does not take is logged and dropped, as
 * Neutron does.
 */
import type { ResourceTable } from './db/schema.ts';
import type { Doc, ResourceStore } from './db/store.ts';
import type { FixedIp } from './ipam.ts';

/** One event as os-server-external-events takes it. */
export interface NovaEvent {
  readonly server_uuid: string;
  readonly name: 'network-changed' | 'network-vif-deleted';
  readonly tag: string;
}

/** Sends a batch to nova (POST /os-server-external-events). */
export type SendNovaEvents = (events: readonly NovaEvent[]) => Promise<void>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Neutron's _is_compute_port: a port a nova server holds. */
function isComputePort(port: Doc): boolean {
  return String(port.device_owner ?? '').startsWith('compute:') && UUID.test(String(port.device_id ?? ''));
}

const ipsOf = (port: Doc | null): string => JSON.stringify(((port?.fixed_ips as FixedIp[] | undefined) ?? []).map((f) => `${f.subnet_id}/${f.ip_address}`).sort());

export class NovaNotifier {
  private queue: NovaEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: {
      readonly store: ResourceStore;
      readonly send: SendNovaEvents;
      readonly intervalS: number;
      readonly warn: (msg: string, err: string) => void;
    },
  ) {}

  /** What a create (original null), update or delete (returned null) of a row means for nova (send_network_change). */
  async changed(table: ResourceTable, original: Doc | null, returned: Doc | null): Promise<void> {
    if (table === 'ports') {
      const port = returned ?? original;
      if (!port || !isComputePort(port) || original === null) return;
      if (returned === null) this.push({ server_uuid: String(port.device_id), name: 'network-vif-deleted', tag: port.id });
      else if (ipsOf(original) !== ipsOf(returned)) this.push({ server_uuid: String(port.device_id), name: 'network-changed', tag: port.id });
      return;
    }
    if (table !== 'floating_ips') return;
    const before = typeof original?.port_id === 'string' ? original.port_id : null;
    const after = returned && typeof returned.port_id === 'string' ? returned.port_id : null;
    if (before === after && original?.fixed_ip_address === returned?.fixed_ip_address) return;
    // A floating IP moved from one server's port to another's tells both (the first as a disassociation).
    for (const id of new Set([before, after])) {
      if (id === null) continue;
      const port = await this.opts.store.get('ports', id);
      if (port && isComputePort(port)) this.push({ server_uuid: String(port.device_id), name: 'network-changed', tag: port.id });
    }
  }

  private push(e: NovaEvent): void {
    this.queue.push(e);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.opts.intervalS * 1000);
    this.timer.unref();
  }

  /** Send what is queued now (the timer's work; also on stop). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length)
      this.sending = this.sending.then(() =>
        this.opts.send(batch).catch((e: unknown) => this.opts.warn('Failed to notify nova on events', e instanceof Error ? e.message : String(e))),
      );
    return this.sending;
  }
}
