/**
 * qemu-img for the file driver: every failure is a VolumeDriverError with
 * the tool's stderr.
 */
import { execFile } from 'node:child_process';
import { VolumeDriverError, VolumeImageUnacceptable } from '../../exception/volume-driver.ts';
import type { VolumeFileFormat } from './options.ts';

export const GiB = 1024 ** 3;

/** Run `binary args`; its stdout, or a VolumeDriverError with its stderr (also after `timeoutMs`). */
export function runTool(binary: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = stderr.trim() || (err.killed ? `killed after ${timeoutMs} ms` : err.message);
      reject(VolumeDriverError.tool(binary, args, why));
    });
  });
}

/** What `qemu-img info` tells of a file. */
export interface FileInfo {
  readonly format: string;
  readonly virtualSize: number;
  readonly backingFile: string | null;
  /** What makes qemu-img read files other than this one: a qcow2 external data file, the extents of a VMDK that is not one file. */
  readonly otherFiles: string | null;
}

/** The external files `format-specific` of qemu-img info names, or null. */
function otherFiles(spec: unknown): string | null {
  if (typeof spec !== 'object' || spec === null || !('data' in spec)) return null;
  const data = spec.data;
  if (typeof data !== 'object' || data === null) return null;
  if ('data-file' in data && typeof data['data-file'] === 'string') return `data-file ${data['data-file']}`;
  if ('create-type' in data && typeof data['create-type'] === 'string' && !['monolithicSparse', 'streamOptimized'].includes(data['create-type'])) {
    return `vmdk create-type ${data['create-type']}`;
  }
  return null;
}

/** `qemu-img info -U --output=json` of `file` opened as `format` (no probing); -U: also while the daemon holds it. */
export async function fileInfo(qemuImg: string, file: string, format: string): Promise<FileInfo> {
  const out = await runTool(qemuImg, ['info', '-U', '--output=json', '-f', format, file], 60_000);
  let j: { format?: unknown; 'virtual-size'?: unknown; 'backing-filename'?: unknown; 'format-specific'?: unknown };
  try {
    j = JSON.parse(out);
  } catch {
    throw new VolumeDriverError(`${qemuImg} info ${file}: not JSON: ${out.slice(0, 200)}`);
  }
  const size = Number(j['virtual-size']);
  if (!Number.isSafeInteger(size)) throw new VolumeDriverError(`${qemuImg} info ${file}: no virtual-size`);
  return {
    format: String(j.format ?? format),
    virtualSize: size,
    backingFile: typeof j['backing-filename'] === 'string' ? j['backing-filename'] : null,
    otherFiles: otherFiles(j['format-specific']),
  };
}

/** Glance's disk formats as qemu-img's format names (ami and iso are raw bytes; aki/ari are kernels, no disks). */
const QEMU_FORMATS: Readonly<Record<string, string>> = {
  raw: 'raw',
  ami: 'raw',
  iso: 'raw',
  qcow2: 'qcow2',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vpc',
  vhdx: 'vhdx',
  qed: 'qed',
  ploop: 'parallels',
};

/** The qemu-img format of an image's disk format, or VolumeImageUnacceptable. */
export function qemuFormatOf(diskFormat: string): string {
  const f = QEMU_FORMATS[diskFormat];
  if (!f) throw VolumeImageUnacceptable.of(`Image disk format ${diskFormat} cannot be converted to a volume (qemu-img reads ${Object.keys(QEMU_FORMATS).join(', ')}).`);
  return f;
}

/** Create an empty file of `sizeGb`. */
export async function createFile(qemuImg: string, file: string, format: VolumeFileFormat, sizeBytes: number): Promise<void> {
  await runTool(qemuImg, ['create', '-q', '-f', format, file, String(sizeBytes)], 60_000);
}

/** Copy `src` (as `srcFormat`) into a new file `dest` of `format` (sparse). */
export async function convertFile(qemuImg: string, src: string, srcFormat: string, dest: string, format: VolumeFileFormat | 'raw', timeoutMs: number): Promise<void> {
  await runTool(qemuImg, ['convert', '-q', '-f', srcFormat, '-O', format, src, dest], timeoutMs);
}

/** Grow `file` to `sizeBytes` (never shrinks: qemu-img refuses without --shrink). */
export async function resizeFile(qemuImg: string, file: string, format: VolumeFileFormat, sizeBytes: number): Promise<void> {
  await runTool(qemuImg, ['resize', '-q', '-f', format, file, String(sizeBytes)], 60_000);
}
