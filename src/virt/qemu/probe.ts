/**
 * Facts about the QEMU binary, asked once per binary and cached: its
 * version (`--version`) and whether it was built with SPICE (`-spice help`).
 */
import { execFile } from 'node:child_process';
import { HypervisorError } from '../../exception/virt.ts';
import { parseQemuVersion } from './resources.ts';

const versions = new Map<string, Promise<number>>();
const spice = new Map<string, Promise<boolean>>();

function run(binary: string, args: readonly string[], timeoutMs = 15_000): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` }));
  });
}

/** The binary's version as Nova's hypervisor_version; HypervisorError when it does not run. */
export function qemuVersion(binary: string): Promise<number> {
  let p = versions.get(binary);
  if (!p) {
    p = run(binary, ['--version']).then(({ ok, out }) => {
      const v = parseQemuVersion(out);
      if (!ok || v === 0) throw new HypervisorError(`cannot run ${binary} --version: ${out.trim() || 'no output'}`, { binary });
      return v;
    });
    p.catch(() => versions.delete(binary));
    versions.set(binary, p);
  }
  return p;
}

/** Whether the binary supports SPICE with unix sockets. */
export function qemuHasSpice(binary: string): Promise<boolean> {
  let p = spice.get(binary);
  if (!p) {
    // `-spice help` lists the options and exits with status 1; without SPICE it says there is no such option.
    p = run(binary, ['-spice', 'help']).then(({ out }) => /spice options/i.test(out) && /\bunix=/.test(out));
    spice.set(binary, p);
  }
  return p;
}
