/**
 * The StaticJSON vendor data provider (nova/api/metadata/vendordata_json.py):
 * the JSON object in `[api] vendordata_jsonfile_path`, {} without one.
 */
import fs from 'node:fs';

/** The file's JSON object; a missing, unreadable or malformed file (or one that is not an object) throws, naming the option. */
export function readStaticVendorData(file: string | null): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`vendordata_jsonfile_path[${file}]: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file does not exist' : (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`vendordata_jsonfile_path[${file}]: failed to load json`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`vendordata_jsonfile_path[${file}]: not a JSON object`);
  return data as Record<string, unknown>;
}
