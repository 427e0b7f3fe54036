import type { Kysely } from 'kysely';
import type { Db } from '../../db/connection.ts';

/**
 * Row types of the network service's tables. They live in the same
 * database as Nova's by default, under their own migration table
 * `network_migrations`. Each resource table keeps the columns the service
 * looks rows up by, and the resource itself as a JSON document (`doc`);
 * addresses are allocated in `ip_allocations`, whose primary key makes an
 * address impossible to hand out twice. Datetimes are naive UTC strings
 * 'YYYY-MM-DD HH:MM:SS.ffffff'.
 */
export interface ResourceRow {
  id: string;
  project_id: string;
  /**
   * The resource this one belongs to: a subnet's or port's network, a rule's
   * security group, a floating IP's external network; a security group's
   * project (with unique_key 'default': one default group per project).
   */
  parent_id: string | null;
  /** A second reference: a port's device_id, a floating IP's port, a router's gateway network. */
  ref_id: string | null;
  /** Unique together with parent_id when set: a port's MAC on its network, 'default' for a project's default group. */
  unique_key: string | null;
  /** The resource as JSON (every attribute the API shows, and internal ones starting with '_'). */
  doc: string;
  created_at: string;
  updated_at: string;
}

/** One allocated address: (subnet, address) is the primary key. */
export interface IpAllocationRow {
  subnet_id: string;
  ip_address: string;
  network_id: string;
  port_id: string;
  created_at: string;
}

/** A project's limit for one resource (absent: the configured default). */
export interface NetworkQuotaRow {
  project_id: string;
  resource: string;
  limit: number;
}

/** The resource tables, which share the ResourceRow layout. */
export const RESOURCE_TABLES = ['networks', 'subnets', 'ports', 'security_groups', 'security_group_rules', 'routers', 'floating_ips'] as const;
/** The agents table (migration 002): one row per (agent_type, host) in parent_id/unique_key, the agent's report as doc. */
export const AGENTS_TABLE = 'agents';
export type ResourceTable = (typeof RESOURCE_TABLES)[number] | typeof AGENTS_TABLE;

/** The network service's tables as Kysely sees them. */
export type NetworkDatabase = { [T in ResourceTable]: ResourceRow } & {
  ip_allocations: IpAllocationRow;
  network_quotas: NetworkQuotaRow;
};

/** The network tables' query builder over a Nova database connection (same connection, other tables). */
export function networkKysely(db: Db): Kysely<NetworkDatabase> {
  return db.kysely.withTables<NetworkDatabase>();
}
