/** Small helpers for QEMU processes and command lines, shared by the QEMU compute driver and the volume host. */
import fs from 'node:fs';

/** QEMU option values separate sub-options with commas; a literal comma is doubled. */
export function qemuOptValue(value: string): string {
  return value.replaceAll(',', ',,');
}

/** One letter process state from /proc/<pid>/stat (R, S, D, Z…), or null when there is no such process. */
export function procState(pid: number, procRoot = '/proc'): string | null {
  try {
    const stat = fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}
