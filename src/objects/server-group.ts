/** The server group policies (Nova's InstanceGroup.policy); the soft ones exist from microversion 2.15. */
export const SERVER_GROUP_POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const;

/** One of {@link SERVER_GROUP_POLICIES}. */
export type ServerGroupPolicy = (typeof SERVER_GROUP_POLICIES)[number];

/** A server group (Nova's InstanceGroup) as read from the database. */
export interface ServerGroupDTO {
  id: number;
  uuid: string;
  name: string | null;
  project_id: string;
  user_id: string;
  policy: string;
  /** e.g. {"max_server_per_host": 2} (anti-affinity only). */
  rules: Record<string, number>;
  /** uuids of the member instances that still exist, oldest first. */
  members: string[];
  created_at: string | null;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
}
