import { defineGroup, intOpt } from './opt.ts';

/** `[conductor]`: nova-conductor. */
export const conductorGroup = defineGroup('conductor', 'nova-conductor.', {
  workers: intOpt({
    default: 1,
    min: 0,
    help: "Worker processes of nova-conductor, each a full service consuming the same conductor topic queue with its own message bus connection and database pool ([database] max_pool_size each). The parent restarts a worker that dies and passes SIGTERM on. 0: one per CPU (Nova's default); 1 (default here): one process, no parent. Above 1 needs a transport_url other than memory://. The all-in-one ignores it.",
  }),
  heal_interval: intOpt({
    default: 30,
    min: 0,
    help: "Seconds between nova-conductor's looks for servers stuck in a build: a build request that got lost is sent again, a build on a compute host that is down past [DEFAULT] instance_build_timeout ends in ERROR. 0 disables it. Not in Nova.",
  }),
  heartbeat_batch_ms: intOpt({
    default: 100,
    min: 0,
    help: "Milliseconds nova-conductor gathers the compute services' heartbeats for, to write them in one UPDATE and one SELECT (1,000 hosts at report_interval 10 are 100 heartbeats a second). A heartbeat is answered that much later, far inside [DEFAULT] service_down_time. 0: each written alone, as Nova. Not in Nova.",
  }),
  build_request_timeout: intOpt({
    default: 120,
    min: 1,
    help: 'Seconds a server may wait in task_state scheduling without a host before nova-conductor takes its build request for lost (a scheduler died holding it, or it was never sent) and sends it again, up to [scheduler] max_attempts times; then the server goes to ERROR. Not in Nova.',
  }),
});
