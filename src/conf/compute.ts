import { DRIVER_CAPABILITIES } from '../objects/compute-node.ts';
import { defineGroup, floatOpt, intOpt, listOpt, optionalStrOpt } from './opt.ts';

/** `[compute]`: nova-compute. */
export const computeGroup = defineGroup('compute', 'nova-compute.', {
  resource_provider_association_refresh: intOpt({
    default: 300,
    min: 0,
    help: 'Unused compatibility option (no placement service).',
  }),
  shutdown_timeout: intOpt({
    default: 60,
    min: 0,
    help: 'Seconds a guest is given to shut down cleanly on stop before it is powered off.',
  }),
  conductor_retry_timeout: intOpt({
    default: 300,
    min: 0,
    help: 'Seconds nova-compute keeps retrying, with backoff, a nova-conductor call that failed because the message bus or the database was unavailable (MessagingTimeout, DBConnectionError); only then is the failure handled. 0 disables retries. Not in Nova.',
  }),
  task_state_timeout: intOpt({
    default: 900,
    min: 0,
    help: 'Seconds an instance of this host may keep a task state (powering-off, rebooting, pausing…) with no operation running for it before nova-compute reads its power state from the hypervisor and clears the task state, as it does at start. 0 disables it. Not in Nova (Nova only does this when nova-compute restarts).',
  }),
  conductor_wait_timeout: floatOpt({
    default: 10,
    min: 1,
    help: 'Seconds per attempt nova-compute waits for nova-conductor at start; it keeps retrying and logs each miss.',
  }),
});

/** `[fake]`: the fake compute driver (tests and scale runs). Not in Nova. */
export const fakeGroup = defineGroup('fake', 'The fake compute driver (compute_driver = fake.FakeDriver).', {
  vcpus: intOpt({ default: 1000, min: 0, help: 'vCPUs the fake hypervisor reports.' }),
  memory_mb: intOpt({ default: 800000, min: 0, help: 'Memory (MiB) the fake hypervisor reports.' }),
  local_gb: intOpt({ default: 600000, min: 0, help: 'Disk (GiB) the fake hypervisor reports.' }),
  spawn_delay_ms: intOpt({ default: 0, min: 0, help: 'Milliseconds spawn takes (simulated boot time).' }),
  spawn_failure_rate: floatOpt({
    default: 0,
    min: 0,
    max: 1,
    help: 'Fraction of spawns that fail (failure injection for tests).',
  }),
  live_migration_ms: intOpt({ default: 1000, min: 0, help: 'Milliseconds a fake live migration runs unless forced to complete (force_complete) or aborted meanwhile.' }),
  guests_file: optionalStrOpt({
    help: 'A file where the fake hypervisor keeps its guests (%(host)s is replaced by the host name), so they outlive the nova-compute process, a SIGKILL included, as real guests do, and a test can read them as one inspects a hypervisor. Unset: in memory only.',
  }),
  disabled_capabilities: listOpt({
    default: [],
    choices: DRIVER_CAPABILITIES,
    help: 'Driver capabilities the fake driver does not have (e.g. supports_pause, supports_suspend, guests_survive_restart): it refuses those operations, reports them as missing, and nova-api refuses them for its instances. For tests of hosts that lack a capability.',
  }),
});
