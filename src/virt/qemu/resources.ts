/**
 * get_available_resource for the QEMU driver: what this host has (memory
 * from /proc/meminfo, CPUs from os.cpus(), disk under instances_path from
 * statfs) and what the guests this driver knows take.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { HostResources } from '../driver.ts';

const GiB = 1024 ** 3;

/** Memory figures from /proc/meminfo, in KiB. */
export interface MemInfo {
  totalKb: number;
  availableKb: number;
}

/** Parse /proc/meminfo text (MemAvailable, or MemFree + Buffers + Cached on old kernels). */
export function parseMeminfo(text: string): MemInfo {
  const v: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m?.[1] && m[2]) v[m[1]] = Number(m[2]);
  }
  const total = v.MemTotal ?? 0;
  const available = v.MemAvailable ?? (v.MemFree ?? 0) + (v.Buffers ?? 0) + (v.Cached ?? 0);
  return { totalKb: total, availableKb: Math.min(total, available) };
}

/** `qemu-system-x86_64 --version` text → major*1000000 + minor*1000 + patch (Nova's hypervisor_version). */
export function parseQemuVersion(text: string): number {
  const m = /version\s+(\d+)\.(\d+)(?:\.(\d+))?/i.exec(text);
  if (!m) return 0;
  return Number(m[1]) * 1_000_000 + Number(m[2]) * 1000 + Number(m[3] ?? 0);
}

/** Vendor short name from /proc/cpuinfo's vendor_id, as libvirt reports it. */
function vendorName(vendorId: string | undefined): string {
  if (vendorId === 'GenuineIntel') return 'Intel';
  if (vendorId === 'AuthenticAMD') return 'AMD';
  return vendorId ?? 'unknown';
}

/** Parse /proc/cpuinfo and os facts into Nova's cpu_info JSON. */
export function cpuInfoJson(cpuinfo: string, cpus: readonly os.CpuInfo[], arch: string = os.arch()): string {
  const first = cpuinfo.split('\n\n')[0] ?? '';
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim();
  const sockets = new Set(cpuinfo.match(/^physical id\s*:\s*\d+$/gm) ?? []).size || 1;
  const coresPerSocket = Number(field('cpu cores') ?? 0) || Math.max(1, Math.floor(cpus.length / sockets));
  const threads = Math.max(1, Math.floor(cpus.length / (sockets * coresPerSocket)));
  const flags = (field('flags') ?? '').split(/\s+/).filter((f) => f !== '');
  return JSON.stringify({
    arch: arch === 'x64' ? 'x86_64' : arch,
    model: field('model name') ?? cpus[0]?.model ?? 'unknown',
    vendor: vendorName(field('vendor_id')),
    topology: { cells: 1, sockets, cores: coresPerSocket, threads },
    features: flags.sort(),
  });
}

/** What the driver's guests take (their flavors). */
export interface GuestUsage {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** Inputs of hostResources; tests inject the /proc texts. */
export interface HostProbe {
  hostname: string;
  instancesPath: string;
  hypervisorVersion: number;
  meminfo?: string;
  cpuinfo?: string;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** This host's resources, with `used` taken from the guests the driver knows. */
export async function hostResources(probe: HostProbe, used: GuestUsage): Promise<HostResources> {
  const mem = parseMeminfo(probe.meminfo ?? readOr('/proc/meminfo', ''));
  const memoryMb = Math.floor((mem.totalKb || Math.floor(os.totalmem() / 1024)) / 1024);
  fs.mkdirSync(probe.instancesPath, { recursive: true });
  const st = await fs.promises.statfs(probe.instancesPath);
  const localGb = Math.floor((st.blocks * st.bsize) / GiB);
  const freeGb = Math.floor((st.bavail * st.bsize) / GiB);
  const cpus = os.cpus();
  return {
    hypervisor_hostname: probe.hostname,
    hypervisor_type: 'QEMU',
    hypervisor_version: probe.hypervisorVersion,
    cpu_info: cpuInfoJson(probe.cpuinfo ?? readOr('/proc/cpuinfo', ''), cpus),
    vcpus: cpus.length,
    memory_mb: memoryMb,
    local_gb: localGb,
    vcpus_used: used.vcpus,
    memory_mb_used: used.memoryMb,
    local_gb_used: used.diskGb,
    disk_available_least: freeGb,
  };
}
