/**
 * nova-api-metadata's request handler (nova/api/metadata/handler.py
 * MetadataRequestHandler and password.handle_password): who asks — the
 * instance the network service's metadata proxy names in X-Instance-ID,
 * signed with `[neutron] metadata_proxy_shared_secret` (a bad signature is
 * 403), or without the proxy the instance whose fixed IP the request comes
 * from — then the path through the shared metadata builder. Each
 * instance's metadata is kept `[api] metadata_cache_expiration` seconds.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { NovaConfig } from '../../conf/loader.ts';
import type { InstanceRepository } from '../../db/api/instances.ts';
import { InstanceNotFound } from '../../exception/instance.ts';
import type { HttpRequest, HttpResponse } from '../../http/route.ts';
import type { Logger } from '../../log.ts';
import type { MetadataSource } from '../../metadata/instance-metadata.ts';
import { InvalidMetadataPath, lookupMetadata } from '../../metadata/lookup.ts';
import type { Vif } from '../../metadata/network-data.ts';
import { extractPassword, MAX_PASSWORD_SIZE, passwordMetadata } from '../../metadata/password.ts';
import { EC2_VERSIONS } from '../../metadata/versions.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { httpError } from './errors.ts';
import type { MetadataNetwork } from './network.ts';

/** What the handler reads and writes. */
export interface MetadataHandlerDeps {
  readonly conf: NovaConfig;
  /** Instances as nova-api reads them (the database). */
  readonly instances: Pick<InstanceRepository, 'get' | 'updateSystemMetadata'>;
  readonly network: MetadataNetwork;
  /** What the StaticJSON vendor data provider serves. */
  readonly staticVendorData: Readonly<Record<string, unknown>>;
  readonly log: Logger;
  /** The clock (tests). */
  readonly now?: () => Date;
}

const TEXT = 'text/plain; charset=UTF-8';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The signature Neutron's metadata proxy sends: hex HMAC-SHA256 of the instance id under the shared secret. */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId).digest('hex');
}

async function readLimited(stream: Readable, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    size += b.length;
    if (size > limit) {
      stream.resume();
      return null;
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export class MetadataRequestHandler {
  private readonly cache = new Map<string, { src: MetadataSource; expires: number }>();
  private readonly now: () => Date;

  constructor(private readonly d: MetadataHandlerDeps) {
    this.now = d.now ?? (() => new Date());
    const n = d.conf.neutron;
    if (n.service_metadata_proxy && !n.metadata_proxy_shared_secret) {
      d.log.warn('metadata_proxy_shared_secret is not configured, the metadata information returned by the proxy cannot be trusted');
    }
  }

  /** Answer one request for `path` (the URL path, without the query). */
  async handle(req: HttpRequest, path: string): Promise<HttpResponse> {
    if (path.split('/').every((p) => p === '' || p === '.')) return { status: 200, raw: Buffer.from([...EC2_VERSIONS, 'latest'].join('\n')), headers: { 'content-type': TEXT } };
    const src = this.d.conf.neutron.service_metadata_proxy ? await this.byInstanceId(req.headers) : await this.byRemoteAddress(req);
    if (!src) throw httpError(404);
    let answer: ReturnType<typeof lookupMetadata>;
    try {
      answer = lookupMetadata(src, path, this.now().toISOString().slice(0, 10));
    } catch (e) {
      if (e instanceof InvalidMetadataPath) throw httpError(404);
      throw e;
    }
    if (answer.kind === 'password') return this.password(req, src);
    const type = answer.contentType === 'text/plain' ? TEXT : answer.contentType;
    return { status: 200, raw: answer.body, headers: { 'content-type': type } };
  }

  /** _handle_instance_id_request: the instance the proxy names, its signature checked, in the tenant it names. */
  private async byInstanceId(headers: IncomingHttpHeaders): Promise<MetadataSource | null> {
    if (header(headers, 'x-metadata-provider')) throw httpError(400, 'X-Metadata-Provider is not supported: metadata requests come through the metadata proxy.');
    const instanceId = header(headers, 'x-instance-id');
    const tenantId = header(headers, 'x-tenant-id');
    const signature = header(headers, 'x-instance-id-signature');
    const address = header(headers, 'x-forwarded-for') ?? null;
    if (instanceId === undefined) throw httpError(400, 'X-Instance-ID header is missing from request.');
    if (signature === undefined) throw httpError(400, 'X-Instance-ID-Signature header is missing from request.');
    if (tenantId === undefined) throw httpError(400, 'X-Tenant-ID header is missing from request.');
    if (instanceId.includes(',')) throw httpError(400, 'Multiple X-Instance-ID headers found within request.');
    if (tenantId.includes(',')) throw httpError(400, 'Multiple X-Tenant-ID headers found within request.');
    const expected = Buffer.from(signInstanceId(this.d.conf.neutron.metadata_proxy_shared_secret, instanceId));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.d.log.warn({ signature, instance: instanceId, address }, 'X-Instance-ID-Signature does not match the expected signature');
      throw httpError(403, 'Invalid proxy request signature.');
    }
    const src = await this.metadataOf(instanceId, address);
    if (!src) {
      this.d.log.error({ instance: instanceId }, 'Failed to get metadata for instance id');
    } else if (src.instance.project_id !== tenantId) {
      this.d.log.warn({ tenant: tenantId, instance: instanceId }, 'Tenant_id does not match tenant_id of instance');
      return null;
    }
    return src;
  }

  /** _handle_remote_ip_request: the instance whose fixed IP the request comes from. */
  private async byRemoteAddress(req: HttpRequest): Promise<MetadataSource | null> {
    if (header(req.headers, 'x-instance-id'))
      this.d.log.warn("X-Instance-ID present in request headers. The 'service_metadata_proxy' option must be enabled to process this header.");
    const forwarded = this.d.conf.api.use_forwarded_for ? header(req.headers, 'x-forwarded-for')?.split(',')[0]?.trim() : undefined;
    const address = (forwarded || req.remoteAddress).replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    const cached = this.cached(`address-${address}`);
    if (cached) return cached;
    const uuid = address ? await this.d.network.instanceByAddress(address) : null;
    const src = uuid ? await this.metadataOf(uuid, address) : null;
    if (!src) this.d.log.error({ address }, 'Failed to get metadata for IP: no metadata');
    else this.remember(`address-${address}`, src);
    return src;
  }

  private cached(key: string): MetadataSource | null {
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.src;
    if (hit) this.cache.delete(key);
    return null;
  }

  private remember(key: string, src: MetadataSource): void {
    const ttl = this.d.conf.api.metadata_cache_expiration;
    if (ttl > 0) this.cache.set(key, { src, expires: Date.now() + ttl * 1000 });
  }

  /** get_metadata_by_instance_id: the instance and what its metadata is built from (cached); null when there is no such instance. */
  private async metadataOf(uuid: string, address: string | null): Promise<MetadataSource | null> {
    const cached = this.cached(`instance-${uuid}`);
    if (cached) return cached;
    let instance: InstanceDTO;
    try {
      instance = await this.d.instances.get(uuid);
    } catch (e) {
      if (e instanceof InstanceNotFound) return null;
      throw e;
    }
    const api = this.d.conf.api;
    const src: MetadataSource = {
      instance,
      address,
      adminPassword: null,
      availabilityZone: instance.availability_zone ?? this.d.conf.DEFAULT.default_availability_zone,
      // The instance's network info cache, once instances carry one.
      vifs: (instance as { network_info?: readonly Vif[] }).network_info ?? [],
      securityGroups: await this.d.network.securityGroups(uuid),
      vendordataProviders: api.vendordata_providers,
      staticVendorData: this.d.staticVendorData,
      dhcpDomain: api.dhcp_domain,
      randomSeed: () => randomBytes(512),
    };
    this.remember(`instance-${uuid}`, src);
    return src;
  }

  private forget(uuid: string): void {
    for (const [k, v] of this.cache) if (v.src.instance.uuid === uuid) this.cache.delete(k);
  }

  /** password.handle_password: GET reads it, POST sets it once (409 after), anything else 400. */
  private async password(req: HttpRequest, src: MetadataSource): Promise<HttpResponse> {
    if (req.method === 'GET' || req.method === 'HEAD') return { status: 200, raw: Buffer.from(extractPassword(src.instance)), headers: { 'content-type': TEXT } };
    if (req.method !== 'POST') throw httpError(400, 'GET and POST only are supported.');
    if (extractPassword(src.instance)) throw httpError(409);
    const length = Number(header(req.headers, 'content-length') ?? 0);
    const body = length > MAX_PASSWORD_SIZE ? null : await readLimited(req.stream, MAX_PASSWORD_SIZE);
    if (body === null) throw httpError(400, 'Request is too large.');
    let written: Record<string, string> | null;
    try {
      // Set only while none is set: another request may have set it since this instance was cached.
      written = await this.d.instances.updateSystemMetadata(src.instance.uuid, (current) =>
        extractPassword({ system_metadata: current }) ? null : passwordMetadata(body.toString('utf8')),
      );
    } catch (e) {
      if (e instanceof InstanceNotFound) throw httpError(400, e.message);
      throw e;
    }
    if (written === null) throw httpError(409);
    this.forget(src.instance.uuid);
    return { status: 200, raw: Buffer.alloc(0), headers: { 'content-type': TEXT } };
  }
}
