import { defineGroup, floatOpt, intOpt, listOpt } from './opt.ts';

/** `[scheduler]`: nova-scheduler. */
export const schedulerGroup = defineGroup('scheduler', 'nova-scheduler.', {
  max_attempts: intOpt({
    default: 3,
    min: 1,
    help: 'Hosts a build is tried on (the first and the alternates) before the instance goes to ERROR.',
  }),
  workers: intOpt({
    default: 1,
    min: 0,
    help: "Worker processes of nova-scheduler, each a full service consuming the same scheduler topic queue with its own message bus connection and database pool ([database] max_pool_size each); their claims are checked in the database, so several workers (or several nova-scheduler hosts) never put a host over its limits. The parent restarts a worker that dies and passes SIGTERM on. 0: one per CPU (Nova's default); 1 (default here): one process, no parent. Above 1 needs a transport_url other than memory:// (an in-process bus cannot be shared by processes). The all-in-one ignores it.",
  }),
});

export const ALL_FILTERS = [
  'ComputeFilter',
  'AvailabilityZoneFilter',
  'RamFilter',
  'CoreFilter',
  'DiskFilter',
  'ImagePropertiesFilter',
  'SameHostFilter',
  'DifferentHostFilter',
  'AggregateInstanceExtraSpecsFilter',
  'ServerGroupAntiAffinityFilter',
  'ServerGroupAffinityFilter',
] as const;

/** `[filter_scheduler]`: which filters and weighers decide where a server goes. */
export const filterSchedulerGroup = defineGroup('filter_scheduler', 'Filters and weighers of nova-scheduler.', {
  enabled_filters: listOpt({
    default: [
      'ComputeFilter',
      'AvailabilityZoneFilter',
      'RamFilter',
      'CoreFilter',
      'DiskFilter',
      'ImagePropertiesFilter',
      'SameHostFilter',
      'DifferentHostFilter',
      'ServerGroupAntiAffinityFilter',
      'ServerGroupAffinityFilter',
    ],
    choices: ALL_FILTERS,
    help: 'Filters run in this order; a host must pass all of them.',
  }),
  weight_classes: listOpt({
    default: ['RAMWeigher', 'CPUWeigher', 'DiskWeigher', 'ServerGroupSoftAffinityWeigher', 'ServerGroupSoftAntiAffinityWeigher'],
    choices: ['RAMWeigher', 'CPUWeigher', 'DiskWeigher', 'ServerGroupSoftAffinityWeigher', 'ServerGroupSoftAntiAffinityWeigher', 'all'],
    help: 'Weighers that rank the hosts that passed the filters.',
  }),
  ram_weight_multiplier: floatOpt({
    default: 1.0,
    help: 'Positive spreads instances by free RAM, negative stacks them.',
  }),
  cpu_weight_multiplier: floatOpt({
    default: 1.0,
    help: 'Positive spreads instances by free vCPUs, negative stacks them.',
  }),
  disk_weight_multiplier: floatOpt({
    default: 1.0,
    help: 'Positive spreads instances by free disk, negative stacks them.',
  }),
  soft_affinity_weight_multiplier: floatOpt({
    default: 1.0,
    min: 0.0,
    help: 'How strongly ServerGroupSoftAffinityWeigher packs the members of a soft-affinity server group onto the hosts already holding members.',
  }),
  soft_anti_affinity_weight_multiplier: floatOpt({
    default: 1.0,
    min: 0.0,
    help: 'How strongly ServerGroupSoftAntiAffinityWeigher spreads the members of a soft-anti-affinity server group over hosts holding fewer members.',
  }),
  host_subset_size: intOpt({
    default: 1,
    min: 1,
    help: 'Pick at random among this many best-weighed hosts (reduces collisions between schedulers).',
  }),
});
