import os from 'node:os';
import path from 'node:path';
import { metadataAgentOptions } from './network-agent.ts';
import { boolOpt, defineGroup, floatOpt, intOpt, optionalStrOpt, strOpt } from './opt.ts';
import { guessMyIp, projectRoot } from './paths.ts';
import { sslOptions } from './ssl.ts';

/** `[DEFAULT]`: options shared by every nova daemon. */
export const defaultGroup = defineGroup('DEFAULT', 'Options shared by every nova service.', {
  host: strOpt({
    default: os.hostname(),
    help: 'Name of this node. Used as the services table host, the compute.<host> RPC topic and the hypervisor host. Must be unique per compute host.',
  }),
  my_ip: strOpt({
    default: guessMyIp(),
    help: "This host's IP address on the management network. Reported as the hypervisor's host_ip.",
  }),
  state_path: strOpt({
    default: path.join(projectRoot, 'state'),
    help: 'Top-level directory for state: the SQLite database (embedded default), instances, images, the CA. Other options may refer to it as $state_path.',
  }),
  instances_path: strOpt({
    default: '$state_path/instances',
    help: 'Where instances keep their files (disks, sockets, console logs), one directory per instance UUID.',
  }),
  transport_url: strOpt({
    default: 'memory://',
    secret: true,
    help: 'Message bus URL. memory:// is an in-process bus (all-in-one only); rabbit://user:pass@host:port/vhost is RabbitMQ. Several rabbit hosts may be given comma separated: rabbit://u:p@h1:5672,u:p@h2:5672/.',
  }),
  control_exchange: strOpt({
    default: 'nova',
    help: 'The AMQP exchange RPC topics are published on.',
  }),
  rpc_response_timeout: intOpt({
    default: 60,
    min: 1,
    help: 'Seconds to wait for the answer of an RPC call before it fails with MessagingTimeout.',
  }),
  report_interval: intOpt({
    default: 10,
    min: 1,
    help: 'Seconds between service heartbeats (the services table last_seen_up and report_count).',
  }),
  service_down_time: intOpt({
    default: 60,
    min: 1,
    help: 'A service whose last heartbeat is older than this many seconds is reported down. Should be larger than report_interval.',
  }),
  periodic_interval: intOpt({
    default: 60,
    min: 1,
    help: 'Seconds between runs of the generic periodic tasks of a service.',
  }),
  update_resources_interval: intOpt({
    default: 60,
    min: 0,
    help: 'Seconds between nova-compute resource reports (compute_nodes). 0 uses periodic_interval.',
  }),
  instance_build_timeout: intOpt({
    default: 900,
    min: 0,
    help: "Maximum time in seconds that an instance can take to build. If this timer expires, instance status will be changed to ERROR (with a fault saying so), so that no instance stays in BUILD. nova-compute checks its own builds; nova-conductor those on a compute host that is down. 0 disables the check (Nova's default; here a build is never left unbounded by default).",
  }),
  allow_resize_to_same_host: boolOpt({
    default: false,
    help: 'Allow destination machine to match source for resize. Useful when testing in single-host environments. By default it is not allowed to resize to the same host. Setting this option to true will add the same host to the destination options. Also set to true if you allow the ServerGroupAffinityFilter and need to resize.',
  }),
  resize_confirm_window: intOpt({
    default: 0,
    min: 0,
    help: 'Automatically confirm resizes after N seconds. Resize functionality will save the existing server before resizing. After the resize completes, user is requested to confirm the resize. The user has the opportunity to either confirm or revert all changes. Confirm resize removes the original server and changes server status from resized to active. Setting this option to a time period (in seconds) will automatically confirm the resize if the server is in resized state longer than that time. 0 disables it.',
  }),
  shelved_offload_time: intOpt({
    default: 0,
    min: -1,
    help: 'Time before a shelved instance is eligible for removal from a host. By default this option is set to 0 and the shelved instance will be removed from the hypervisor immediately after shelve operation. -1: never offload; >0: offload when shelved for that long.',
  }),
  shelved_poll_interval: intOpt({
    default: 3600,
    min: -1,
    help: 'Interval for polling shelved instances to offload. The periodic task runs for every shelved_poll_interval number of seconds and checks if there are any shelved instances. If it finds a shelved instance, based on the shelved_offload_time config value it offloads the shelved instances. -1 disables it.',
  }),
  reclaim_instance_interval: intOpt({
    default: 0,
    min: 0,
    help: 'Interval for reclaiming deleted instances. A value greater than 0 will enable SOFT_DELETE of instances. This option decides whether the server to be deleted will be put into the SOFT_DELETED state. If this value is greater than 0, the deleted server will not be deleted immediately, instead it will be put into a queue until it is too old (deleted time greater than the value of reclaim_instance_interval). The server can be recovered from the delete queue by using the restore action. If the deleted server remains longer than the value of reclaim_instance_interval, it will be deleted by a periodic task in the compute service automatically.',
  }),
  running_deleted_instance_action: strOpt({
    default: 'reap',
    choices: ['reap', 'log', 'shutdown', 'noop'],
    help: 'The compute service periodically checks for instances that have been deleted in the database but remain running on the compute node. reap: powers down the instances and deletes them; log: logs a warning; shutdown: powers down but does not delete; noop: takes no action.',
  }),
  running_deleted_instance_poll_interval: intOpt({
    default: 1800,
    min: 0,
    help: 'Time interval in seconds to wait between runs for the clean up action. If set to 0, above check will be disabled.',
  }),
  running_deleted_instance_timeout: intOpt({
    default: 0,
    min: 0,
    help: 'Time interval in seconds to wait for the instances that have been marked as deleted in database to be eligible for cleanup.',
  }),
  sync_power_state_interval: intOpt({
    default: 600,
    min: -1,
    help: 'Seconds between syncs of the power state the database holds with the hypervisor. -1 disables the sync.',
  }),
  compute_driver: strOpt({
    default: 'fake.FakeDriver',
    help: 'The hypervisor driver nova-compute uses: fake.FakeDriver (or fake) keeps instances in memory; qemu.QemuDriver (or qemu) runs real QEMU guests.',
  }),
  max_concurrent_builds: intOpt({
    default: 10,
    min: 0,
    help: 'Builds one nova-compute runs at a time; 0 means unlimited.',
  }),
  default_availability_zone: strOpt({
    default: 'nova',
    help: 'The availability zone of compute services that are not in a host aggregate with a zone.',
  }),
  default_schedule_zone: optionalStrOpt({
    help: 'Availability zone given to a server created without one. Unset: any zone.',
  }),
  internal_service_availability_zone: strOpt({
    default: 'internal',
    help: 'The availability zone shown for non-compute services.',
  }),
  cpu_allocation_ratio: floatOpt({
    default: 4.0,
    min: 0,
    help: 'Virtual CPUs per physical CPU the scheduler may place on a host (initial value of the compute node ratio).',
  }),
  ram_allocation_ratio: floatOpt({
    default: 1.0,
    min: 0,
    help: 'Virtual RAM per physical RAM the scheduler may place on a host.',
  }),
  disk_allocation_ratio: floatOpt({
    default: 1.0,
    min: 0,
    help: 'Virtual disk per physical disk the scheduler may place on a host.',
  }),
  reserved_host_memory_mb: intOpt({
    default: 512,
    min: 0,
    help: 'Memory (MiB) kept for the host; never given to instances.',
  }),
  reserved_host_disk_mb: intOpt({
    default: 0,
    min: 0,
    help: 'Disk (MiB) kept for the host; never given to instances.',
  }),
  reserved_host_cpus: intOpt({
    default: 0,
    min: 0,
    help: 'Host CPUs kept for the host; never given to instances.',
  }),
  instance_name_template: strOpt({
    default: 'instance-%08x',
    help: 'Template for instance names on the hypervisor; %08x is replaced by the instance id in hex.',
  }),
  force_config_drive: boolOpt({
    default: false,
    help: "Force injection to take place on a config drive. When this option is set to true config drive functionality will be forced enabled by default, otherwise users can still enable config drives via the REST API or image metadata properties. Launched instances are not affected by this option. True: force to use of config drive regardless the user's input in the REST API call. False: do not force use of config drive; config drives can still be enabled via the REST API or image metadata properties. Related options: use [qemu] mkisofs_cmd to set the path where you install the genisoimage program.",
  }),
  config_drive_format: strOpt({
    default: 'iso9660',
    choices: ['iso9660', 'vfat'],
    help: 'Config drive format. Config drive format that will contain metadata attached to the instance when it boots. iso9660: a file system image standard that is widely supported across operating systems. vfat: provided for legacy reasons and to enable live migration with the libvirt driver and non-shared storage. This option is meaningful when force_config_drive is true, when the REST API call to create the instance asks for a config drive, or when the image requires one (img_config_drive=mandatory).',
  }),
  graceful_shutdown_timeout: intOpt({
    default: 60,
    min: 0,
    help: 'Seconds a service waits on SIGTERM for in-flight work before it exits anyway. 0 waits forever.',
  }),
  osapi_compute_workers: intOpt({
    default: 1,
    min: 0,
    help: "Worker processes of nova-api, sharing its listening port (node:cluster; the parent spreads the connections over them, restarts a worker that dies and passes SIGTERM on for a graceful stop). 0: one per CPU (Nova's default, which it takes when the option is unset); 1 (default here): one process, no parent. Each worker is a full service with its own message bus connection and database pool ([database] max_pool_size connections each: mind MariaDB's max_connections, 151 by default). Needs a transport_url other than memory:// when above 1. The all-in-one ignores it.",
  }),
  metadata_workers: intOpt({
    default: 1,
    min: 0,
    help: 'Worker processes of nova-api-metadata, sharing its listening port, as [DEFAULT] osapi_compute_workers for nova-api. 0: one per CPU (Nova); 1 (default here): one process. The all-in-one ignores it.',
  }),
  debug: boolOpt({ default: false, help: 'Log at debug level.' }),
  log_file: optionalStrOpt({ help: 'Write logs (JSON lines) to this file instead of stderr.' }),
  ...sslOptions,
  ...metadataAgentOptions,
  log_pretty: boolOpt({
    default: false,
    help: 'Print human readable log lines instead of JSON (development).',
  }),
});
