/**
 * Choosing the accelerator for `[qemu] virt_type`. kvm is used only when
 * /dev/kvm is usable and not provided by kvm_pvm: PVM (pagetable-based
 * virtualisation) only runs PVM-enlightened guest kernels fast, and a stock
 * guest crawls there (minutes to boot) where TCG boots it in seconds.
 */
import fs from 'node:fs';

/** QEMU's accelerator (-accel). */
export type Accel = 'kvm' | 'tcg';

/** Where to look; tests inject their own paths. */
export interface AccelProbePaths {
  /** The KVM device (default /dev/kvm). */
  devKvm?: string;
  /** Present when kvm_pvm provides /dev/kvm (default /sys/module/kvm_pvm). */
  pvmModule?: string;
}

/** The accelerator chosen and why (logged once by the driver). */
export interface AccelChoice {
  accel: Accel;
  reason: string;
}

/** Whether the KVM device exists and this process may open it read-write. */
export function kvmUsable(devKvm: string): boolean {
  try {
    fs.accessSync(devKvm, fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Pick the accelerator for `[qemu] virt_type` (kvm or qemu) on this host. */
export function chooseAccel(virtType: string, probe: AccelProbePaths = {}): AccelChoice {
  const devKvm = probe.devKvm ?? '/dev/kvm';
  const pvm = probe.pvmModule ?? '/sys/module/kvm_pvm';
  if (virtType !== 'kvm') return { accel: 'tcg', reason: `virt_type = ${virtType}: TCG emulation` };
  if (!kvmUsable(devKvm)) return { accel: 'tcg', reason: `virt_type = kvm but ${devKvm} is not usable: falling back to TCG emulation` };
  if (fs.existsSync(pvm)) {
    return { accel: 'tcg', reason: `virt_type = kvm but ${devKvm} is provided by kvm_pvm (${pvm}), where stock guests crawl: using TCG emulation` };
  }
  return { accel: 'kvm', reason: `virt_type = kvm: hardware acceleration through ${devKvm}` };
}
