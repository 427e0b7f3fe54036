/**
 * nova-network-agent: the dataplane agents of one host (bridge, DHCP, L3 by
 * `[agent] roles`) as one service manager. Every `polling_interval` it asks
 * nova-network for the host's state over the bus (sync_state) and, when it
 * changed or devices may have appeared, rebuilds what differs; every
 * `report_interval` each role reports in (report_state), as Neutron's
 * agents do. Nothing is kept between runs: after a restart the first sync
 * rebuilds bridges, namespaces, dnsmasq and rules from the service's state
 * and removes what is no longer wanted.
 */
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext } from '../context.ts';
import type { Logger } from '../log.ts';
import { AGENT_TYPES, type AgentRole, type HostState, type NetworkPluginAPI } from '../network/rpc-types.ts';
import type { Endpoint } from '../rpc/server.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import { type BridgeSettings, syncBridges } from './bridge.ts';
import { run } from './exec.ts';

/** What a role adds to a sync, and what it reports as its configurations. */
export interface RoleDriver {
  readonly role: AgentRole;
  /** Rebuild this role's part of the dataplane from `state`. */
  sync(state: HostState): Promise<void>;
  configurations(): Record<string, unknown>;
  /** On stop (the dataplane stays: guests keep their network while the agent restarts). */
  stop?(): Promise<void>;
}

const BINARIES: Record<AgentRole, string> = { bridge: 'neutron-linuxbridge-agent', dhcp: 'neutron-dhcp-agent', l3: 'neutron-l3-agent' };
const TOPICS: Record<AgentRole, string> = { bridge: 'N/A', dhcp: 'dhcp_agent', l3: 'l3_agent' };

/** The bridge role: bridges, VXLAN, taps (and, when added, the security group rules on them). */
export function bridgeRole(s: BridgeSettings, extra: { sync(state: HostState): Promise<void> }[] = []): RoleDriver {
  let last = { bridges: 0, devices: 0 };
  return {
    role: 'bridge',
    async sync(state) {
      last = await syncBridges(state, s);
      for (const e of extra) await e.sync(state);
    },
    configurations: () => ({
      tunneling_ip: s.enableVxlan ? s.localIp : null,
      tunnel_types: s.enableVxlan ? ['vxlan'] : [],
      interface_mappings: Object.fromEntries(s.physicalInterfaces),
      devices: last.devices,
      bridges: last.bridges,
    }),
  };
}

export class NetworkAgentManager implements Manager {
  readonly endpoints: readonly Endpoint[] = [];
  private revision: string | undefined;
  private state: HostState | null = null;
  private syncing: Promise<void> | null = null;
  private started = new Set<AgentRole>();

  constructor(private readonly deps: { conf: NovaConfig; plugin: NetworkPluginAPI; roles: readonly RoleDriver[]; log: Logger }) {}

  private get host(): string {
    return this.deps.conf.DEFAULT.host;
  }

  async initHost(): Promise<void> {
    if (this.deps.roles.some((r) => r.role === 'bridge')) {
      // Bridged IPv4/IPv6 goes through the inet hooks, where the security group rules are (Neutron's iptables driver does the same).
      await run('sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1'], { allowFailure: true });
    }
  }

  /** One sync: read the state (unless unchanged) and let every role rebuild from it. Runs never overlap. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const roles = this.deps.roles.map((r) => r.role);
    const answer = await this.deps.plugin.sync_state(adminContext(), { host: this.host, roles, ...(this.revision && this.state ? { since: this.revision } : {}) });
    if (!('unchanged' in answer)) this.state = answer;
    this.revision = answer.revision;
    const state = this.state;
    if (!state) return;
    for (const r of this.deps.roles) {
      try {
        await r.sync(state);
      } catch (e) {
        this.revision = undefined; // read everything again next time
        this.deps.log.error({ role: r.role, err: e instanceof Error ? e.message : String(e) }, 'sync failed');
      }
    }
  }

  async report(): Promise<void> {
    const az = this.deps.conf.DEFAULT.default_availability_zone;
    for (const r of this.deps.roles) {
      await this.deps.plugin.report_state(adminContext(), {
        agent: {
          agent_type: AGENT_TYPES[r.role],
          binary: BINARIES[r.role],
          host: this.host,
          topic: TOPICS[r.role],
          configurations: r.configurations(),
          availability_zone: az,
          start_flag: !this.started.has(r.role),
        },
      });
      this.started.add(r.role);
    }
  }

  periodicTasks(): readonly PeriodicTask[] {
    const a = this.deps.conf.agent;
    return [
      { name: 'report_state', intervalSec: a.report_interval, runAtStart: true, run: () => this.report() },
      { name: 'sync_state', intervalSec: a.polling_interval, runAtStart: true, run: () => this.sync() },
    ];
  }

  async cleanup(): Promise<void> {
    await this.syncing?.catch(() => undefined);
    for (const r of this.deps.roles) await r.stop?.();
  }
}
