import { DRIVER_CAPABILITIES } from '../objects/compute-node.ts';
import { defineGroup, floatOpt, intOpt, listOpt } from './opt.ts';

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
  disabled_capabilities: listOpt({
    default: [],
    choices: DRIVER_CAPABILITIES,
    help: 'Driver capabilities the fake driver does not have (e.g. supports_pause, supports_suspend, guests_survive_restart): it refuses those operations, reports them as missing, and nova-api refuses them for its instances. For tests of hosts that lack a capability.',
  }),
});
