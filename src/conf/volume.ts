import { defineGroup, intOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

/**
 * `[volume_server]`: the volume service (nova-volume, a Cinder v3 subset on
 * its own port). Option names follow cinder.conf where Cinder has one
 * (osapi_volume_listen, osapi_volume_listen_port, public_endpoint,
 * default_volume_type, storage_availability_zone, the quota_* of its
 * [DEFAULT] group).
 */
export const volumeServerGroup = defineGroup('volume_server', 'The volume service (nova-volume): a Cinder v3 subset on its own port.', {
  bind_host: strOpt({ default: '0.0.0.0', help: 'Address nova-volume listens on (Cinder: osapi_volume_listen).' }),
  bind_port: portOpt({ default: 8776, help: 'Port nova-volume listens on (Cinder: osapi_volume_listen_port, 8776).' }),
  public_endpoint: optionalStrOpt({
    help: "Base URL of the links in answers (the versions document, resource links) instead of the request's host, for a proxy or load balancer in front of nova-volume.",
  }),
  volume_driver: strOpt({
    default: 'file',
    choices: ['file'],
    help: 'The storage of the volumes: file (raw or qcow2 files on this host, exported over NBD by qemu-storage-daemon).',
  }),
  volume_backend_name: strOpt({ default: 'file', help: "The backend's name in the pools (GET /scheduler-stats/get_pools) and the volumes' host (<host>@<backend>#<pool>)." }),
  default_volume_type: strOpt({
    default: '__DEFAULT__',
    help: 'The volume type of a volume created without one (Cinder: default_volume_type). The type __DEFAULT__ always exists.',
  }),
  storage_availability_zone: strOpt({ default: 'nova', help: 'The availability zone of this volume service and of its volumes (Cinder: storage_availability_zone).' }),
  quota_volumes: intOpt({ default: 10, min: -1, help: 'Volumes per project (-1: unlimited).' }),
  quota_snapshots: intOpt({ default: 10, min: -1, help: 'Volume snapshots per project (-1: unlimited).' }),
  quota_gigabytes: intOpt({ default: 1000, min: -1, help: 'GiB of volumes and snapshots per project (-1: unlimited).' }),
  quota_backups: intOpt({ default: 10, min: -1, help: 'Volume backups per project (-1: unlimited; backups are not served).' }),
  quota_backup_gigabytes: intOpt({ default: 1000, min: -1, help: 'GiB of backups per project (-1: unlimited; backups are not served).' }),
  quota_groups: intOpt({ default: 10, min: -1, help: 'Volume groups per project (-1: unlimited; groups are not served).' }),
  per_volume_size_limit: intOpt({ default: -1, min: -1, help: 'Largest volume (GiB) a project may create (-1: unlimited) (Cinder: per_volume_size_limit).' }),
  osapi_max_limit: intOpt({ default: 1000, min: 1, help: 'Most items one list answer returns (Cinder: osapi_max_limit).' }),
});
