/**
 * Files served to another host over NBD with TLS-PSK, and read from it.
 *
 * The source of a cold move runs one qemu-storage-daemon that exports each
 * of the guest's files read-only as its raw bytes (the qcow2 overlay as a
 * file, not as a disk, so the destination gets the very same overlay and
 * puts it on its own copy of the base image), bound to the move address on
 * a port of the move range. It runs detached (it outlives a nova-compute
 * restart) and writes its pid beside the files; stopExport ends it. The
 * destination copies an export with `qemu-img convert` (sparse).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HypervisorError } from '../../exception/virt.ts';
import { daemonPid } from '../../qemu/proc.ts';
import { qemuOptValue } from './cmdline.ts';
import { addressInUse, newPsk, PSK_USER, pickPort, writePskDir } from './transport.ts';

/** Where an export listens and the key that opens it. */
export interface NbdExport {
  readonly address: string;
  readonly port: number;
  readonly psk: string;
}

function run(binary: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new HypervisorError(`${binary} failed: ${stderr.trim() || err.message}`, { binary }));
      else resolve(stdout);
    });
  });
}

/** The pid file of the export of the files in `dir`. */
export function exportPidfile(dir: string): string {
  return path.join(dir, 'export.pid');
}

/** The live pid of the export of `dir`, or null (a pid is only trusted while its command line names the pid file). */
export function exportPid(dir: string): number | null {
  return daemonPid(exportPidfile(dir));
}

/**
 * Serve `files` (export name → absolute path) read-only at `address` on a
 * port of `range`; resolves once the daemon listens. The key lives in
 * `dir/export-psk/`, the pid in `dir/export.pid`.
 */
export async function startExport(o: { binary: string; dir: string; files: Record<string, string>; address: string; range: string }): Promise<NbdExport> {
  await stopExport(o.dir);
  const psk = newPsk();
  const pskDir = writePskDir(path.join(o.dir, 'export-psk'), psk);
  const pidfile = exportPidfile(o.dir);
  // The daemon takes its options in order: the nodes, then the server, then the exports of the nodes.
  const blockdevs: string[] = [];
  const exports: string[] = [];
  Object.entries(o.files).forEach(([name, file], i) => {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new HypervisorError(`bad export name ${name}`);
    blockdevs.push('--blockdev', `driver=file,node-name=f${i},filename=${qemuOptValue(file)},read-only=on`);
    exports.push('--export', `type=nbd,id=e${i},node-name=f${i},name=${name}`);
  });
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort(o.address, o.range);
    const args = [
      '--object',
      `tls-creds-psk,id=tls0,endpoint=server,dir=${qemuOptValue(pskDir)}`,
      ...blockdevs,
      '--nbd-server',
      `addr.type=inet,addr.host=${o.address},addr.port=${port},tls-creds=tls0`,
      ...exports,
      '--daemonize',
      '--pidfile',
      pidfile,
    ];
    try {
      await run(o.binary, args, 30_000);
      return { address: o.address, port, psk };
    } catch (e) {
      if (!addressInUse(e) || attempt >= 5) throw e;
    }
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone meanwhile
  }
}

/** End the export of `dir` (SIGTERM, then SIGKILL); fine when there is none. */
export async function stopExport(dir: string): Promise<void> {
  const pid = exportPid(dir);
  if (pid !== null) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (exportPid(dir) !== null && Date.now() < deadline) await sleep(50);
    if (exportPid(dir) !== null) signal(pid, 'SIGKILL');
    while (exportPid(dir) !== null && Date.now() < deadline + 5_000) await sleep(50);
  }
  fs.rmSync(exportPidfile(dir), { force: true });
  fs.rmSync(path.join(dir, 'export-psk'), { recursive: true, force: true });
}

/** Copy export `name` of `from` into the file `dest` (sparse; replaced only once complete). `scratch` holds the key meanwhile. */
export async function fetchExport(o: { qemuImg: string; from: NbdExport; name: string; dest: string; scratch: string; timeoutMs: number }): Promise<void> {
  const pskDir = writePskDir(o.scratch, o.from.psk);
  const part = `${o.dest}.part`;
  const source = `driver=nbd,server.type=inet,server.host=${o.from.address},server.port=${o.from.port},export=${o.name},tls-creds=tls0`;
  try {
    await run(
      o.qemuImg,
      ['convert', '--object', `tls-creds-psk,id=tls0,endpoint=client,dir=${qemuOptValue(pskDir)},username=${PSK_USER}`, '--image-opts', source, '-O', 'raw', part],
      o.timeoutMs,
    );
    fs.renameSync(part, o.dest);
  } finally {
    fs.rmSync(part, { force: true });
    fs.rmSync(pskDir, { recursive: true, force: true });
  }
}
