/** The QMP client lives in src/qemu/ (shared with the volume host's qemu-storage-daemon). */
export { QMP_COMMAND_TIMEOUT_MS, QMP_CONNECT_TIMEOUT_MS, QmpClient, type QmpEvent } from '../../qemu/qmp.ts';
