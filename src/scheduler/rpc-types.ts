import type { RequestContext } from '../context.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';

export const SCHEDULER_TOPIC = 'scheduler';
export const SCHEDULER_RPC_VERSION = '1.0';

/** One chosen destination. */
export interface Destination {
  host: string;
  nodename: string;
  node_id: number;
  availability_zone: string;
}

/** The methods nova-scheduler serves. */
export interface SchedulerAPI {
  /** Place, claim and start building the instances of a request (cast from nova-api and on reschedule). */
  build_instances(ctx: RequestContext, args: { request_spec: RequestSpec; admin_password: string | null }): Promise<void>;
  /** Choose hosts and claim them without building (Nova's select_destinations). */
  select_destinations(ctx: RequestContext, args: { request_spec: RequestSpec }): Promise<Destination[]>;
}

/** The methods served over RPC, and how each is sent. */
export const SCHEDULER_METHODS = {
  build_instances: 'cast',
  select_destinations: 'call',
} as const satisfies RpcKinds<SchedulerAPI>;

/** The arguments of one method. */
export type SchedulerArgs<K extends keyof SchedulerAPI> = ArgsOf<SchedulerAPI, K>;
