/**
 * A new server's auto_disk_config (OS-DCF:diskConfig), as
 * nova.compute.api.API._inherit_properties_from_image decides it: what the
 * request asked for, else the image's `auto_disk_config` property (a
 * boolean string; "disabled" refuses AUTO).
 */
import { Invalid } from '../exception/base.ts';

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];

/** `requested`: true for AUTO, false for MANUAL, null when the request said nothing. Throws Invalid (400) for AUTO on an image that disables it. */
export function autoDiskConfigFor(requested: boolean | null, image: { id: string; properties: Readonly<Record<string, string>> }): boolean {
  const fromImage = image.properties.auto_disk_config;
  if (requested && fromImage?.trim().toLowerCase() === 'disabled') throw new Invalid(`Requested image ${image.id} has automatic disk resize disabled.`);
  if (requested !== null) return requested;
  // strutils.bool_from_string, not strict: anything unknown (and None) is false.
  return TRUE.includes((fromImage ?? '').trim().toLowerCase());
}
