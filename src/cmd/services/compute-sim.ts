import type { NovaConfig } from '../../conf/loader.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import type { Service } from '../../service/service.ts';
import { computeClients, computeService } from './compute.ts';

export interface FleetOptions {
  hosts: number;
  prefix: string;
  /** Hosts starting at once (register, report resources, listen). */
  concurrency: number;
}

/** The host names of a fleet: prefix + a zero-padded number, sim-0001…sim-1000. */
export function fleetHosts(n: number, prefix: string): string[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
}

/** Resident memory of this process, in bytes. */
export const rssBytes = (): number => process.memoryUsage.rss();

/**
 * Many nova-compute services in one process (nova-compute-sim): each the
 * real compute service (its own host name, `compute.<host>` queue, service
 * record, heartbeats, compute node and fake driver), all over one transport
 * (one bus connection) and one set of RPC clients. Hosts start in waves of
 * `concurrency`, so start-up does not stampede nova-conductor and the
 * heartbeats and periodic tasks (timed from each service's start) are spread.
 */
export class ComputeFleet {
  readonly services: Service[] = [];
  private stopped = false;

  constructor(
    private readonly conf: NovaConfig,
    private readonly transport: Transport,
    private readonly log: Logger,
    private readonly opts: FleetOptions,
  ) {}

  get hostNames(): string[] {
    return fleetHosts(this.opts.hosts, this.opts.prefix);
  }

  async start(): Promise<void> {
    await this.transport.connect();
    const clients = computeClients(this.conf, this.transport);
    const queue = [...this.hostNames];
    const worker = async () => {
      for (let host = queue.shift(); host !== undefined && !this.stopped; host = queue.shift()) {
        const service = await computeService(this.conf, this.transport, this.log.child({ host }), host, clients);
        this.services.push(service);
        await service.start();
        if (this.services.length % 100 === 0) this.log.info({ started: this.services.length, of: this.opts.hosts }, 'simulated hosts started');
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, queue.length) }, worker));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.services.map((s) => s.stop()));
  }
}
