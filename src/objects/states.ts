/** Nova's instance state machine: vm_state, task_state and power_state values. */

export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  DELETED: 'deleted',
  ERROR: 'error',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;
export type VmState = (typeof VmState)[keyof typeof VmState];

export const TaskState = {
  SCHEDULING: 'scheduling',
  BLOCK_DEVICE_MAPPING: 'block_device_mapping',
  NETWORKING: 'networking',
  SPAWNING: 'spawning',
  REBOOTING: 'rebooting',
  REBOOT_PENDING: 'reboot_pending',
  REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard',
  REBOOT_PENDING_HARD: 'reboot_pending_hard',
  REBOOT_STARTED_HARD: 'reboot_started_hard',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  DELETING: 'deleting',
  IMAGE_SNAPSHOT: 'image_snapshot',
  IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending',
  IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading',
  IMAGE_BACKUP: 'image_backup',
  UPDATING_PASSWORD: 'updating_password',
  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting',
  RESIZE_CONFIRMING: 'resize_confirming',
  RESCUING: 'rescuing',
  UNRESCUING: 'unrescuing',
  REBUILDING: 'rebuilding',
  REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping',
  REBUILD_SPAWNING: 'rebuild_spawning',
  MIGRATING: 'migrating',
  SOFT_DELETING: 'soft-deleting',
  RESTORING: 'restoring',
  SHELVING: 'shelving',
  SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload',
  SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading',
  SHELVING_OFFLOADING: 'shelving_offloading',
  UNSHELVING: 'unshelving',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** power_state as Nova numbers it. */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];

/** The API status a (vm_state, task_state) pair shows as, as nova.api.openstack.common.status_from_state. */
export function serverStatus(vmState: string, taskState: string | null): string {
  const byTask: Record<string, Record<string, string>> = {
    active: {
      rebooting: 'REBOOT',
      reboot_pending: 'REBOOT',
      reboot_started: 'REBOOT',
      rebooting_hard: 'HARD_REBOOT',
      reboot_pending_hard: 'HARD_REBOOT',
      reboot_started_hard: 'HARD_REBOOT',
      rebuilding: 'REBUILD',
      rebuild_block_device_mapping: 'REBUILD',
      rebuild_spawning: 'REBUILD',
      migrating: 'MIGRATING',
      resize_prep: 'RESIZE',
      resize_migrating: 'RESIZE',
      resize_migrated: 'RESIZE',
      resize_finish: 'RESIZE',
      updating_password: 'PASSWORD',
    },
    stopped: {
      resize_prep: 'RESIZE',
      resize_migrating: 'RESIZE',
      resize_migrated: 'RESIZE',
      resize_finish: 'RESIZE',
      rebuilding: 'REBUILD',
      rebuild_block_device_mapping: 'REBUILD',
      rebuild_spawning: 'REBUILD',
    },
    resized: { resize_reverting: 'REVERT_RESIZE' },
    paused: { migrating: 'MIGRATING' },
    error: { rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' },
  };
  const byVm: Record<string, string> = {
    active: 'ACTIVE',
    building: 'BUILD',
    stopped: 'SHUTOFF',
    resized: 'VERIFY_RESIZE',
    paused: 'PAUSED',
    suspended: 'SUSPENDED',
    rescued: 'RESCUE',
    error: 'ERROR',
    deleted: 'DELETED',
    'soft-delete': 'SOFT_DELETED',
    shelved: 'SHELVED',
    shelved_offloaded: 'SHELVED_OFFLOADED',
  };
  if (taskState === 'deleting' && vmState !== 'deleted') return byVm[vmState] ?? 'UNKNOWN';
  if (taskState) {
    const t = byTask[vmState]?.[taskState];
    if (t) return t;
  }
  return byVm[vmState] ?? 'UNKNOWN';
}

/** The (vm_state) values an API status filter selects, as Nova's states_from_status (coarse). */
export function vmStatesForStatus(status: string): string[] | null {
  const m: Record<string, string[]> = {
    ACTIVE: ['active'],
    BUILD: ['building'],
    SHUTOFF: ['stopped'],
    PAUSED: ['paused'],
    SUSPENDED: ['suspended'],
    ERROR: ['error'],
    DELETED: ['deleted'],
    SOFT_DELETED: ['soft-delete'],
    RESCUE: ['rescued'],
    VERIFY_RESIZE: ['resized'],
    SHELVED: ['shelved'],
    SHELVED_OFFLOADED: ['shelved_offloaded'],
    REBOOT: ['active', 'stopped'],
    HARD_REBOOT: ['active', 'stopped'],
  };
  return m[status.toUpperCase()] ?? null;
}
