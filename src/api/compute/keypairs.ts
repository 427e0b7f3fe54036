/**
 * os-keypairs (nova/api/openstack/compute/keypairs.py and KeypairAPI):
 * GET /os-keypairs, GET/DELETE /os-keypairs/{name}, POST /os-keypairs
 * (import a public key, or generate one until 2.91). Key pairs belong to a
 * user; from 2.10 an admin may name another user (user_id).
 */
import { execFile } from 'node:child_process';
import { generateKeyPair } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { effectiveLimits, overQuota, usage } from '../../compute-api/quota.ts';
import type { RequestContext } from '../../context.ts';
import { NovaError } from '../../exception/base.ts';
import { KeypairNotFound } from '../../exception/resources.ts';
import { errorMessage } from '../../util/error-message.ts';
import { badRequest, forbidden } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { allowed } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/keypairs.ts';
import { collectionLinks, first, limitAndMarker, type QuerySpec, validateQuery } from './schemas/query.ts';
import { keypairCreated, keypairIndexItem, keypairShow } from './views/keypairs.ts';

const run = promisify(execFile);
const generateRsa = promisify(generateKeyPair);

/** The keypair policies: the caller's own key pairs, or an admin (os_compute_api:os-keypairs:<action>). */
function authorizeFor(ctx: RequestContext, action: 'index' | 'show' | 'create' | 'delete', userId: string): void {
  if (userId === ctx.user_id || allowed(ctx, 'os_compute_api:os-keypairs:other_user')) return;
  throw forbidden(`Policy doesn't allow os_compute_api:os-keypairs:${action} to be performed.`);
}

/** The query schema of index/show/delete at this microversion; strict from 2.75. */
function checkQuery(req: ApiRequest, index: boolean) {
  const v = req.version;
  let spec: QuerySpec = schema.queryV20;
  if (index && atLeast(v, '2.35')) spec = schema.indexQueryV235;
  else if (atLeast(v, '2.10')) spec = schema.queryV210;
  return validateQuery(req.query, spec, atLeast(v, '2.75'));
}

/** The user a request is about: ?user_id= (first value, 2.10+) or the caller. */
function targetUser(req: ApiRequest, q: ReturnType<typeof checkQuery>): string {
  return (atLeast(req.version, '2.10') ? first(q, 'user_id') : undefined) || (req.ctx.user_id ?? '');
}

/** An SSH wire-format string or mpint. */
function wire(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}
const mpint = (b: Buffer) => (((b[0] ?? 0) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), b]) : b);

/** crypto.generate_key_pair: RSA 2048, the private key in PEM (PKCS#1), the public key "ssh-rsa AAAA… Generated-by-Nova". */
async function generateSshKey(): Promise<{ privateKey: string; publicKey: string }> {
  const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048, publicExponent: 65537 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([wire(Buffer.from('ssh-rsa')), wire(mpint(Buffer.from(jwk.e ?? '', 'base64url'))), wire(mpint(Buffer.from(jwk.n ?? '', 'base64url')))]);
  return { privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova` };
}

/**
 * crypto.generate_winrm_x509_cert: a self-signed client certificate for
 * CN=<user> (UPN <user>@localhost) made with openssl, as Nova does; the
 * private key is the base64 of a PKCS#12 bundle with an empty password.
 */
async function generateX509(userId: string): Promise<{ privateKey: string; publicKey: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nova-x509-'));
  try {
    const conf = path.join(dir, 'temp.conf');
    const keyFile = path.join(dir, 'temp.key');
    const certFile = path.join(dir, 'temp.pem');
    await fs.writeFile(
      conf,
      `distinguished_name = req_distinguished_name\n[req_distinguished_name]\n[v3_req_client]\nextendedKeyUsage = clientAuth\nsubjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:${userId.replace(/[\n\\]/g, '')}@localhost\n`,
    );
    const subject = `/CN=${userId.replace(/[\\/=+,\n]/g, (c) => (c === '\n' ? '' : `\\${c}`))}`;
    await run('openssl', [
      'req',
      '-x509',
      '-nodes',
      '-days',
      '3650',
      '-config',
      conf,
      '-newkey',
      'rsa:2048',
      '-outform',
      'PEM',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      subject,
      '-extensions',
      'v3_req_client',
    ]);
    const p12 = path.join(dir, 'temp.p12');
    await run('openssl', ['pkcs12', '-export', '-inkey', keyFile, '-in', certFile, '-password', 'pass:', '-out', p12]);
    return { privateKey: (await fs.readFile(p12)).toString('base64'), publicKey: await fs.readFile(certFile, 'utf8') };
  } catch (e) {
    throw new NovaError(`Failed to generate an X509 certificate: ${errorMessage(e)}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function createSchemaFor(v: Microversion) {
  if (atLeast(v, '2.92')) return schema.createV292;
  if (atLeast(v, '2.10')) return schema.createV210;
  if (atLeast(v, '2.2')) return schema.createV22;
  return schema.create;
}

/** POST /os-keypairs: 200 at 2.1, 201 from 2.2. */
async function create(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const v = req.version;
  const body: schema.CreateBody = validate(createSchemaFor(v), req.body);
  const params = body.keypair;
  schema.checkKeypairName(params.name, atLeast(v, '2.92'));
  const name = params.name.trim();
  const type = params.type ?? 'ssh';
  const userId = (atLeast(v, '2.10') ? params.user_id : undefined) || (req.ctx.user_id ?? '');
  authorizeFor(req.ctx, 'create', userId);

  const projectId = req.ctx.project_id ?? '';
  const [limits, used] = await Promise.all([effectiveLimits(deps, projectId), usage(deps, projectId, userId)]);
  if (overQuota(limits, used, { key_pairs: 1 }).length > 0) throw forbidden('Quota exceeded, too many key pairs.');

  let publicKey: string;
  let privateKey: string | null = null;
  let fingerprint: string;
  if (params.public_key !== undefined) {
    publicKey = params.public_key;
    fingerprint = type === 'x509' ? schema.x509Fingerprint(publicKey) : schema.sshFingerprint(publicKey);
  } else {
    const made = type === 'x509' ? await generateX509(userId) : await generateSshKey();
    publicKey = made.publicKey;
    privateKey = made.privateKey;
    fingerprint = type === 'x509' ? schema.x509Fingerprint(publicKey) : schema.sshFingerprint(publicKey);
  }
  const keypair = await deps.db.keypairs.create({ name, user_id: userId, fingerprint, public_key: publicKey, type });
  return ok(keypairCreated(keypair, privateKey, atLeast(v, '2.2')), atLeast(v, '2.2') ? 201 : 200);
}

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const q = checkQuery(req, true);
  const userId = targetUser(req, q);
  authorizeFor(req.ctx, 'index', userId);
  const paged = atLeast(req.version, '2.35');
  const maxLimit = deps.conf.api.max_limit;
  const { limit, marker } = paged ? limitAndMarker(q, maxLimit) : { limit: undefined, marker: undefined };
  let keypairs: Awaited<ReturnType<typeof deps.db.keypairs.listByName>>;
  try {
    keypairs = await deps.db.keypairs.listByName(userId, { limit, marker });
  } catch (e) {
    if (e instanceof KeypairNotFound) throw badRequest(`Marker ${marker} could not be found.`);
    throw e;
  }
  const withType = atLeast(req.version, '2.2');
  const body: Record<string, unknown> = { keypairs: keypairs.map((k) => keypairIndexItem(k, withType)) };
  if (paged) {
    const next = collectionLinks(req.baseUrl, 'os-keypairs', q, keypairs.length, maxLimit, () => keypairs.at(-1)?.name ?? '');
    if (next) body.keypairs_links = next;
  }
  return ok(body);
}

async function show(deps: ApiDeps, req: ApiRequestOf<'name'>): Promise<ApiResponse> {
  const userId = targetUser(req, checkQuery(req, false));
  authorizeFor(req.ctx, 'show', userId);
  const keypair = await deps.db.keypairs.get(userId, req.params.name);
  return ok(keypairShow(keypair, atLeast(req.version, '2.2')));
}

/** DELETE /os-keypairs/{name}: 202 at 2.1, 204 from 2.2. */
async function destroy(deps: ApiDeps, req: ApiRequestOf<'name'>): Promise<ApiResponse> {
  const userId = targetUser(req, checkQuery(req, false));
  authorizeFor(req.ctx, 'delete', userId);
  await deps.db.keypairs.destroy(userId, req.params.name);
  return atLeast(req.version, '2.2') ? noContent() : { status: 202 };
}

/** The os-keypairs routes. */
export function keypairsRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-keypairs', handler: (req) => index(deps, req) }),
    route({ method: 'POST', path: '/os-keypairs', handler: (req) => create(deps, req) }),
    route({ method: 'GET', path: '/os-keypairs/:name', handler: (req) => show(deps, req) }),
    route({ method: 'DELETE', path: '/os-keypairs/:name', handler: (req) => destroy(deps, req) }),
  ];
}
