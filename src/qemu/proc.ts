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

/** The live pid written in `pidfile`, or null (a pid counts only while its command line names the pid file, so a reused pid is never taken for the daemon). */
export function daemonPid(pidfile: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(pidfile, 'utf8').trim(), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 1) return null;
  const state = procState(pid);
  if (state === null || state === 'Z') return null;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(pidfile) ? pid : null;
  } catch {
    return null;
  }
}
