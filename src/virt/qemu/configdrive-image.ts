/**
 * Writing a config drive image (Nova's ConfigDriveBuilder): the file tree
 * is laid out in a private temporary directory, then turned into an
 * iso9660 image with genisoimage (Rock Ridge + Joliet, label `config-2`,
 * Nova's exact arguments) or into a 64 MiB vfat image with mkfs.vfat and
 * mcopy. Tools run without a shell, arguments as an array. The image is
 * written next to its destination and renamed into place.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HypervisorError } from '../../exception/virt.ts';
import { CONFIG_DRIVE_LABEL, type ConfigDriveTree } from './configdrive.ts';

/** `[DEFAULT] config_drive_format`. */
export type ConfigDriveFormat = 'iso9660' | 'vfat';

/** How to build the image. */
export interface ConfigDriveImageOptions {
  format: ConfigDriveFormat;
  /** `[qemu] mkisofs_cmd`: a program, optionally followed by its first arguments (`xorriso -as mkisofs`). */
  mkisofsCmd: string;
  /** The ISO publisher field (Nova: "OpenStack Compute <version>"). */
  publisher: string;
}

/** Nova's CONFIGDRIVESIZE_BYTES: the size of a vfat config drive. */
export const VFAT_SIZE_BYTES = 64 * 1024 * 1024;

/** Where Debian keeps mkfs.vfat (not on the PATH of ordinary users). */
const SBIN_DIRS = ['/usr/sbin', '/sbin'];

const PACKAGE_OF: Record<string, string> = { genisoimage: 'genisoimage', xorriso: 'xorriso', mkisofs: 'genisoimage', 'mkfs.vfat': 'dosfstools', mcopy: 'mtools' };

function missingTool(tool: string, why: string): HypervisorError {
  const pkg = PACKAGE_OF[path.basename(tool)];
  return new HypervisorError(`cannot build the config drive: ${tool} is not installed${pkg ? ` (Debian package ${pkg})` : ''}; ${why}`, { tool });
}

/** Run `cmd args` without a shell; HypervisorError naming the tool when it is missing or fails. */
function run(cmd: string, args: readonly string[], why: string, env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, env: env ?? process.env }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(missingTool(cmd, why));
      reject(new HypervisorError(`building the config drive failed: ${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`, { tool: cmd }));
    });
  });
}

/** A program on the PATH, else in /usr/sbin or /sbin; the bare name when nowhere (run then reports it missing). */
export function findTool(name: string, searchPath = process.env.PATH ?? ''): string {
  if (name.includes('/')) return name;
  for (const dir of [...searchPath.split(':').filter(Boolean), ...SBIN_DIRS]) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return name;
}

/** Lay the tree out under `dir` (every file and directory with the tree's mtime). */
export function writeTree(tree: ConfigDriveTree, dir: string): void {
  const dirs = new Set<string>();
  for (const f of tree.files) {
    if (f.path.startsWith('/') || f.path.split('/').some((s) => s === '..' || s === '.' || s === '')) throw new HypervisorError(`bad config drive path '${f.path}'`);
    const file = path.join(dir, ...f.path.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, f.data, { mode: 0o644 });
    fs.utimesSync(file, tree.mtime, tree.mtime);
    for (let d = path.dirname(file); d !== dir && d.startsWith(dir); d = path.dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) fs.utimesSync(d, tree.mtime, tree.mtime);
}

/** The mkisofs arguments Nova's _make_iso9660 passes (plus the optional leading words of mkisofs_cmd). */
export function isoArgs(output: string, publisher: string, srcDir: string): string[] {
  return ['-o', output, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', publisher, '-quiet', '-J', '-r', '-V', CONFIG_DRIVE_LABEL, srcDir];
}

async function makeIso(srcDir: string, output: string, opts: ConfigDriveImageOptions): Promise<void> {
  const [cmd, ...lead] = opts.mkisofsCmd.trim().split(/\s+/);
  if (!cmd) throw new HypervisorError('[qemu] mkisofs_cmd is empty');
  await run(cmd, [...lead, ...isoArgs(output, opts.publisher, srcDir)], 'set [qemu] mkisofs_cmd to genisoimage or "xorriso -as mkisofs"');
}

async function makeVfat(srcDir: string, output: string): Promise<void> {
  fs.writeFileSync(output, '');
  fs.truncateSync(output, VFAT_SIZE_BYTES);
  await run(findTool('mkfs.vfat'), ['-n', CONFIG_DRIVE_LABEL, output], 'install it or use config_drive_format = iso9660');
  const top = fs.readdirSync(srcDir).map((n) => path.join(srcDir, n));
  await run('mcopy', ['-s', '-m', '-Q', '-i', output, ...top, '::/'], 'install it or use config_drive_format = iso9660', { ...process.env, MTOOLS_SKIP_CHECK: '1' });
}

/**
 * Build the config drive image `dest` holding `tree`. Rejects with a
 * HypervisorError naming the tool when it is missing; `dest` then does not exist.
 */
export async function buildConfigDriveImage(tree: ConfigDriveTree, dest: string, opts: ConfigDriveImageOptions): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const srcDir = fs.mkdtempSync(path.join(path.dirname(dest), '.configdrive-'));
  const tmp = `${dest}.part-${tag}`;
  try {
    fs.chmodSync(srcDir, 0o700);
    writeTree(tree, srcDir);
    if (opts.format === 'vfat') await makeVfat(srcDir, tmp);
    else await makeIso(srcDir, tmp, opts);
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, dest);
  } finally {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(srcDir, { recursive: true, force: true });
  }
}
