/**
 * The image properties ImagePropertiesFilter reads, under their current
 * names (legacy names as fallback, as Nova's ImageMetaProps maps them) and
 * canonicalised as nova.objects.fields does.
 */
export interface ComputeImageProps {
  arch: string | null;
  hvType: string | null;
  vmMode: string | null;
  requestedVersion: string | null;
}

function prop(props: Readonly<Record<string, string>>, name: string, legacy: string): string | null {
  const value = props[name] ?? props[legacy];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

/** Architecture.canonicalize: i386…i586 and x86_32 are i686, amd64 is x86_64. */
export function canonicalArch(arch: string): string {
  const a = arch.toLowerCase();
  if (['i386', 'i486', 'i586', 'x86_32', 'x86_32p'].includes(a)) return 'i686';
  return a === 'amd64' ? 'x86_64' : a;
}

/** HVType.canonicalize: lower case, xapi is xen. */
export function canonicalHvType(hvType: string): string {
  const t = hvType.toLowerCase();
  return t === 'xapi' ? 'xen' : t;
}

/** VMMode.canonicalize: lower case, hv and baremetal are hvm, pv is xen. */
export function canonicalVmMode(mode: string): string {
  const m = mode.toLowerCase();
  if (m === 'hv' || m === 'baremetal') return 'hvm';
  return m === 'pv' ? 'xen' : m;
}

export function computeImageProps(props: Readonly<Record<string, string>>): ComputeImageProps {
  const arch = prop(props, 'hw_architecture', 'architecture');
  const hvType = prop(props, 'img_hv_type', 'hypervisor_type');
  const vmMode = prop(props, 'hw_vm_mode', 'vm_mode');
  return {
    arch: arch === null ? null : canonicalArch(arch),
    hvType: hvType === null ? null : canonicalHvType(hvType),
    vmMode: vmMode === null ? null : canonicalVmMode(vmMode),
    requestedVersion: prop(props, 'img_hv_requested_version', 'hypervisor_version_requires'),
  };
}
