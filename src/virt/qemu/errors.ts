/** QmpError lives in src/qemu/ (shared with the volume host's qemu-storage-daemon). */
export { QmpError } from '../../qemu/qmp-error.ts';
