/**
 * A metadata path to what the guest gets (InstanceMetadata.lookup,
 * RouteConfiguration, find_path_in_tree and ec2_md_print of
 * nova/api/metadata/base.py): the OpenStack tree `/openstack/<version>/…`,
 * the EC2 tree for any other path (`/latest/meta-data/hostname` is
 * `/ec2/latest/meta-data/hostname`), listings as text, one entry a line.
 */
import { ec2Metadata, type MetadataSource, networkData, openstackListing, openstackMetadata, vendorData, vendorData2 } from './instance-metadata.ts';
import { EC2_VERSIONS, ec2Version, GRIZZLY, HAVANA, listedOpenstackVersions, NEWTON_TWO, openstackSince, openstackVersion } from './versions.ts';

/** A path with nothing behind it (InvalidMetadataPath): the service answers 404. */
export class InvalidMetadataPath extends Error {
  constructor(readonly path: string) {
    super(`invalid metadata path ${path}`);
  }
}

/** What a path resolves to: a body and its type, or the password endpoint (GET reads it, POST sets it). */
export type MetadataAnswer = { readonly kind: 'data'; readonly body: Buffer; readonly contentType: string } | { readonly kind: 'password' };

const TEXT = 'text/plain';
const JSON_TYPE = 'application/json';

/** posixpath.normpath of an absolute path. */
function normpath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** ec2_md_print: a tree as its listing (sorted keys, `key/` for a subtree, its `_name` when it has one), a list a line per item, a value as Python's str(). */
export function ec2MdPrint(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.from(data.map(pyStr).join('\n'));
  if (data !== null && typeof data === 'object') {
    const tree = data as Record<string, unknown>;
    const lines = Object.keys(tree)
      .filter((k) => k !== '_name')
      .sort()
      .map((k) => {
        const v = tree[k];
        if (v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v)) return k;
        const name = (v as Record<string, unknown>)._name;
        return name !== undefined ? pyStr(name) : `${k}/`;
      });
    return Buffer.from(lines.join('\n'));
  }
  return Buffer.from(pyStr(data));
}

/** Python's str() of a JSON-ish value (None, True, 3). */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** find_path_in_tree: walk the tree by path tokens; a missing key, or a token past a value, has nothing. */
function findPathInTree(data: unknown, tokens: readonly string[], path: string): unknown {
  let cur = data;
  for (const t of tokens) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || Buffer.isBuffer(cur) || !Object.hasOwn(cur, t)) throw new InvalidMetadataPath(path);
    cur = (cur as Record<string, unknown>)[t];
  }
  return cur;
}

const json = (v: unknown): MetadataAnswer => ({ kind: 'data', body: Buffer.from(JSON.stringify(v)), contentType: JSON_TYPE });
const text = (v: unknown): MetadataAnswer => ({ kind: 'data', body: ec2MdPrint(v), contentType: TEXT });

/** One file of `openstack/<version>/` (RouteConfiguration.handle_path and the path handlers). */
function openstackItem(src: MetadataSource, tokens: readonly string[], path: string): MetadataAnswer {
  const [asked = '', ...rest] = tokens;
  if (asked === 'content') throw new InvalidMetadataPath(path); // no injected files or network template here
  const version = openstackVersion(asked);
  if (!version) throw new InvalidMetadataPath(path);
  const name = rest.join('/');
  switch (name) {
    case '':
      return text(openstackListing(src, version));
    case 'meta_data.json':
      return json(openstackMetadata(src, version));
    case 'user_data': {
      const ud = src.instance.user_data ? Buffer.from(src.instance.user_data, 'base64') : null;
      if (!ud) throw new InvalidMetadataPath(path);
      return { kind: 'data', body: ud, contentType: TEXT };
    }
    case 'password':
      if (!openstackSince(version, GRIZZLY)) throw new InvalidMetadataPath(path);
      return { kind: 'password' };
    case 'vendor_data.json': {
      const vd = openstackSince(version, HAVANA) ? vendorData(src) : null;
      if (!vd) throw new InvalidMetadataPath(path);
      return json(vd);
    }
    case 'vendor_data2.json':
      if (!openstackSince(version, NEWTON_TWO)) throw new InvalidMetadataPath(path);
      return json(vendorData2(src));
    case 'network_data.json':
      // Nova answers it at every version (text/plain), though only LIBERTY on lists it.
      return { kind: 'data', body: Buffer.from(JSON.stringify(networkData(src))), contentType: TEXT };
    default:
      throw new InvalidMetadataPath(path);
  }
}

/**
 * InstanceMetadata.lookup: what `path` (the request path, without the
 * query) holds for the instance, or InvalidMetadataPath. `today` (UTC
 * YYYY-MM-DD) hides future OpenStack versions from `/openstack`.
 */
export function lookupMetadata(src: MetadataSource, rawPath: string, today: string): MetadataAnswer {
  const path = normpath(rawPath);
  let tokens = path.split('/').slice(1);
  if (tokens[0] !== 'ec2' && tokens[0] !== 'openstack') tokens = tokens[0] === '' ? ['ec2'] : ['ec2', ...tokens];
  if (tokens.length === 1) return text(tokens[0] === 'openstack' ? listedOpenstackVersions(today) : [...EC2_VERSIONS, 'latest']);
  if (tokens[0] === 'openstack') return openstackItem(src, tokens.slice(1), path);
  const version = ec2Version(tokens[1] ?? '');
  if (!version) throw new InvalidMetadataPath(path);
  const data = findPathInTree(ec2Metadata(src, version), tokens.slice(2), path);
  return text(data);
}
