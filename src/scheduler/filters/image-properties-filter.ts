import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';
import { type ComputeImageProps, canonicalArch, canonicalHvType, computeImageProps } from './image-props.ts';
import { satisfiesVersion, versionIntToString } from './version-predicate.ts';

/** The vm modes every host here supports (full virtualisation). */
const HOST_VM_MODES: ReadonlySet<string> = new Set(['hvm']);

/** The hypervisor types a host satisfies: QEMU and KVM hosts satisfy both 'qemu' and 'kvm'. */
function hostHvTypes(host: HostState): Set<string> {
  const t = canonicalHvType(host.hypervisorType);
  return t === 'qemu' || t === 'kvm' ? new Set(['qemu', 'kvm']) : new Set([t]);
}

function passes(host: HostState, want: ComputeImageProps): boolean {
  if (want.arch !== null) {
    const arch = host.cpuInfo.arch;
    if (typeof arch !== 'string' || canonicalArch(arch) !== want.arch) return false;
  }
  if (want.hvType !== null && !hostHvTypes(host).has(want.hvType)) return false;
  if (want.vmMode !== null && !HOST_VM_MODES.has(want.vmMode)) return false;
  // As in Nova, a host that reports no version (0) is not held to a requested version.
  if (want.requestedVersion !== null && host.hypervisorVersion > 0) {
    return satisfiesVersion(versionIntToString(host.hypervisorVersion), want.requestedVersion);
  }
  return true;
}

/**
 * ImagePropertiesFilter: filters hosts on the properties of the image —
 * architecture (hw_architecture), hypervisor type (img_hv_type), virtual
 * machine mode (hw_vm_mode) and hypervisor version
 * (img_hv_requested_version, e.g. '>=6.0'). An image with none of these
 * properties passes every host.
 */
export class ImagePropertiesFilter implements HostFilter {
  readonly name = 'ImagePropertiesFilter';
  readonly runOnRebuild = true;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    return passes(host, computeImageProps(spec.image.properties));
  }

  prepare(spec: RequestSpec): ((host: HostState) => boolean) | null {
    const want = computeImageProps(spec.image.properties);
    if (want.arch === null && want.hvType === null && want.vmMode === null && want.requestedVersion === null) return null;
    return (host) => passes(host, want);
  }
}
