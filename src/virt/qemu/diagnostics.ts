/**
 * A running guest's figures, read from its QEMU as Nova's libvirt driver
 * reads them from libvirt: vCPUs from query-cpus-fast (their CPU time from
 * the vCPU threads in /proc), disks from query-blockstats (disk0 is vda,
 * disk1 the config drive vdb), memory from query-balloon when the guest has
 * a balloon, else query-memory-size-summary, with the QEMU process's
 * resident set as used. The NIC is user-mode networking, which QEMU keeps
 * no counters for: it is listed with its MAC only, as libvirt lists a NIC
 * without a target. Also the host's `uptime` line, as libvirt's
 * get_host_uptime runs it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { CpuDiagnostics, DiskDiagnostics, DriverDiagnostics } from '../driver-host.ts';
import { uptimeLine } from '../uptime.ts';
import type { QmpClient } from './qmp.ts';

/** sysconf(_SC_CLK_TCK) on Linux. */
const CLOCK_TICKS = 100;

const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v } : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** CPU time of one thread in nanoseconds (utime + stime of /proc/<pid>/task/<tid>/stat), or null. */
function threadCpuNs(pid: number, tid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? Math.round((ticks * 1e9) / CLOCK_TICKS) : null;
  } catch {
    return null;
  }
}

/** The resident set of a process in MiB, or null. */
function rssMiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** The guest disk name of a drive id (disk0 → vda, disk1 → vdb). */
function diskName(id: string, index: number): string {
  const n = /^disk(\d+)$/.exec(id)?.[1];
  return `vd${String.fromCharCode(97 + (n === undefined ? index : Number(n)))}`;
}

export interface DiagnosticsInput {
  qmp: QmpClient;
  pid: number | null;
  instance: InstanceDTO;
  mac: string;
  /** [qemu] virt_type actually used (kvm or qemu). */
  hypervisor: string;
  configDrive: boolean;
}

/** Both formats of a running guest's diagnostics. */
export async function qemuDiagnostics(d: DiagnosticsInput): Promise<DriverDiagnostics> {
  const legacy: Record<string, number | string> = {};
  const cpus: CpuDiagnostics[] = [];
  const list: unknown = await d.qmp.execute('query-cpus-fast');
  for (const raw of Array.isArray(list) ? list : []) {
    const c = record(raw);
    const id = num(c['cpu-index']) ?? cpus.length;
    const tid = num(c['thread-id']);
    const time = d.pid !== null && tid !== null ? threadCpuNs(d.pid, tid) : null;
    cpus.push({ id, time, utilisation: null });
    if (time !== null) legacy[`cpu${id}_time`] = time;
  }
  const disks: DiskDiagnostics[] = [];
  const blocks: unknown = await d.qmp.execute('query-blockstats');
  for (const [index, raw] of (Array.isArray(blocks) ? blocks : []).entries()) {
    const b = record(raw);
    const st = record(b.stats);
    const id = typeof b.device === 'string' && b.device ? b.device : typeof b.qdev === 'string' ? b.qdev : `disk${index}`;
    const errors = (num(st.failed_rd_operations) ?? 0) + (num(st.failed_wr_operations) ?? 0) + (num(st.failed_flush_operations) ?? 0);
    const disk = { read_bytes: num(st.rd_bytes), read_requests: num(st.rd_operations), write_bytes: num(st.wr_bytes), write_requests: num(st.wr_operations), errors_count: errors };
    disks.push(disk);
    const name = diskName(id, index);
    Object.assign(legacy, {
      [`${name}_read_req`]: disk.read_requests ?? 0,
      [`${name}_read`]: disk.read_bytes ?? 0,
      [`${name}_write_req`]: disk.write_requests ?? 0,
      [`${name}_write`]: disk.write_bytes ?? 0,
      [`${name}_errors`]: errors,
    });
  }
  let maximumMiB = d.instance.memory_mb;
  let actualMiB: number | null = null;
  try {
    actualMiB = Math.round((num(record(await d.qmp.execute('query-balloon')).actual) ?? 0) / 1048576) || null;
  } catch {
    const summary = record(await d.qmp.execute('query-memory-size-summary').catch(() => ({})));
    const base = num(summary['base-memory']);
    if (base !== null) maximumMiB = Math.round(base / 1048576);
  }
  const rss = d.pid !== null ? rssMiB(d.pid) : null;
  legacy.memory = maximumMiB * 1024;
  if (actualMiB !== null) legacy['memory-actual'] = actualMiB * 1024;
  if (rss !== null) legacy['memory-rss'] = rss * 1024;
  const launched = d.instance.launched_at ? Date.parse(`${d.instance.launched_at.replace(' ', 'T')}Z`) : Number.NaN;
  return {
    standard: {
      state: 'running',
      driver: 'libvirt',
      hypervisor: d.hypervisor,
      hypervisor_os: 'linux',
      uptime: Number.isNaN(launched) ? null : Math.max(0, Math.round((Date.now() - launched) / 1000)),
      config_drive: d.configDrive,
      num_cpus: cpus.length,
      num_nics: 1,
      num_disks: disks.length,
      cpu_details: cpus,
      nic_details: [
        {
          mac_address: d.mac,
          rx_octets: null,
          rx_errors: null,
          rx_drop: null,
          rx_packets: null,
          rx_rate: null,
          tx_octets: null,
          tx_errors: null,
          tx_drop: null,
          tx_packets: null,
          tx_rate: null,
        },
      ],
      disk_details: disks,
      memory_details: { maximum: maximumMiB, used: rss ?? actualMiB },
    },
    legacy,
  };
}

/** What `env LANG=C uptime` prints on this host (libvirt's get_host_uptime); the same line from the os module without the command. */
export function hostUptime(): Promise<string> {
  return new Promise((resolve) => {
    execFile('uptime', [], { env: { ...process.env, LANG: 'C', LC_ALL: 'C' }, timeout: 10_000 }, (err, stdout) => resolve(err || !stdout.trim() ? uptimeLine() : stdout));
  });
}
