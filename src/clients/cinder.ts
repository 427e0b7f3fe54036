/**
 * The volume service client nova uses (nova.volume.cinder.API): Cinder's v3
 * API at microversion 3.44 (the attachments API with attachment_complete),
 * as the caller (their token, their rights) or as the `[cinder]` user (a
 * server's volumes cleaned up without a caller). The endpoint is
 * `[cinder] endpoint_template` or the catalog's `catalog_info` entry; a
 * project segment after /v3 becomes the caller's project. The service's
 * refusals become nova's exceptions as Nova's translate_*_exception do:
 * NotFound → VolumeNotFound / VolumeAttachmentNotFound / SnapshotNotFound
 * (by what was asked), OverLimit → OverQuota, BadRequest → InvalidInput
 * with cinderclient's words ('<message> (HTTP 400) (Request-ID: …)'),
 * Forbidden → Forbidden, no answer → CinderConnectionFailed (503).
 */
import type { RequestContext } from '../context.ts';
import type { NovaError } from '../exception/base.ts';
import {
  CinderClientError,
  CinderConnectionFailed,
  CinderForbidden,
  InvalidInput,
  NotFoundIn,
  OverQuota,
  SnapshotNotFound,
  VolumeAttachmentNotFound,
  VolumeNotFound,
} from '../exception/volume.ts';
import { Endpoints, requestHeaders, Unreachable } from './endpoints.ts';
import type { TokenProvider } from './tokens.ts';

const USER_AGENT = 'nova-ts-volume-client';
/** The microversion nova asks for (Nova's attachment_* need 3.44). */
export const CINDER_MICROVERSION = '3.44';

/** A volume attachment as the volume's `attachments` list shows it. */
export interface CinderVolumeAttachmentRef {
  readonly id?: string;
  readonly attachment_id: string;
  readonly server_id: string | null;
  readonly host_name?: string | null;
  readonly device?: string | null;
  readonly volume_id?: string;
  readonly [attr: string]: unknown;
}

/** A volume as GET /v3/volumes/{id} shows it (what nova reads; the rest as extra keys). */
export interface CinderVolume {
  readonly id: string;
  readonly name: string | null;
  readonly description?: string | null;
  readonly status: string;
  readonly size: number;
  readonly availability_zone: string | null;
  readonly attach_status?: string;
  readonly attachments: readonly CinderVolumeAttachmentRef[];
  readonly bootable?: string | boolean;
  readonly multiattach?: boolean;
  readonly volume_type?: string | null;
  readonly snapshot_id?: string | null;
  readonly source_volid?: string | null;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly volume_image_metadata?: Readonly<Record<string, string>>;
  readonly created_at?: string;
  readonly [attr: string]: unknown;
}

export interface CinderSnapshot {
  readonly id: string;
  readonly volume_id: string;
  readonly status: string;
  readonly size: number;
  readonly name: string | null;
  readonly description: string | null;
  readonly created_at?: string;
  readonly [attr: string]: unknown;
}

/** os-brick's connector: who attaches (nova-compute's host). */
export interface VolumeConnector {
  readonly host: string;
  readonly ip: string;
  readonly initiator?: string;
  readonly multipath?: boolean;
  readonly platform?: string;
  readonly os_type?: string;
  readonly mountpoint?: string;
  readonly [attr: string]: unknown;
}

/** The connection_info of an attachment (driver_volume_type nbd for nova-volume) as nova keeps it in the BDM. */
export interface ConnectionInfo {
  readonly driver_volume_type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly [attr: string]: unknown;
}

/** An attachment as POST/PUT/GET /v3/attachments answer it. */
export interface CinderAttachment {
  readonly id: string;
  readonly volume_id: string;
  readonly instance: string | null;
  readonly status: string;
  readonly attach_mode?: string;
  readonly connection_info: ConnectionInfo | null;
  readonly [attr: string]: unknown;
}

export interface VolumeCreate {
  readonly size: number;
  readonly name?: string | null;
  readonly description?: string | null;
  readonly imageRef?: string | null;
  readonly snapshot_id?: string | null;
  readonly availability_zone?: string | null;
  readonly volume_type?: string | null;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Where the volume service is: a URL (perhaps with %(project_id)s), or null: there is none. */
export type VolumeEndpointResolver = () => Promise<string | null>;

export interface CinderClientOptions {
  readonly endpoint: VolumeEndpointResolver;
  /** The caller's token. */
  readonly userTokens: TokenProvider;
  /** The [cinder] user's token. */
  readonly adminTokens: TokenProvider;
  readonly retries: number;
  readonly timeoutMs: number;
  /** Log each request ([cinder] debug). */
  readonly debug?: (line: string) => void;
}

interface FaultBody {
  [fault: string]: { message?: string; code?: number } | undefined;
}

/** How a NotFound of what was asked reads, per kind. */
export type Subject = { readonly kind: 'volume' | 'attachment' | 'snapshot' | 'create'; readonly id: string };

/** nova's exception for a Cinder refusal (status, Cinder's message and what was asked). */
export function cinderErrorToNova(status: number, message: string, requestId: string | null, subject: Subject | undefined): NovaError {
  const words = `${message} (HTTP ${status})${requestId ? ` (Request-ID: ${requestId})` : ''}`;
  if (status === 404 && subject) {
    if (subject.kind === 'volume') return VolumeNotFound.of(subject.id);
    if (subject.kind === 'attachment') return VolumeAttachmentNotFound.of(subject.id);
    if (subject.kind === 'snapshot') return SnapshotNotFound.of(subject.id);
    return new NotFoundIn(message, { status_code: 404 });
  }
  if (status === 413) return new OverQuota(message, { status_code: 413 });
  if (status === 400) return InvalidInput.of(words);
  if (status === 403) return new CinderForbidden(words, { status_code: 403 });
  return new CinderClientError(words, { status_code: status });
}

function messageOf(parsed: unknown, text: string): string {
  if (parsed && typeof parsed === 'object') {
    for (const v of Object.values(parsed as FaultBody)) if (v && typeof v.message === 'string') return v.message;
  }
  return text.slice(0, 200);
}

/** The URL of the caller's project: a project segment after /v3 (or a %(project_id)s) becomes the caller's. */
export function projectUrl(url: string, projectId: string | null): string {
  const u = url.replace(/\/+$/, '');
  if (projectId === null) return u.replace(/%\(project_id\)s|\$\(project_id\)s/g, '').replace(/\/+$/, '');
  const templated = u.replace(/%\(project_id\)s|\$\(project_id\)s/g, projectId);
  if (templated !== u) return templated;
  return u.replace(/\/v3\/[^/]+$/, `/v3/${projectId}`);
}

/** Cinder's v3 API for nova. */
export class CinderClient {
  private readonly http = new Map<string, Endpoints>();

  constructor(private readonly opts: CinderClientOptions) {}

  /** Is there a volume service (an endpoint configured or in the catalog)? */
  async available(): Promise<boolean> {
    return (await this.opts.endpoint()) !== null;
  }

  private async endpoints(ctx: RequestContext | undefined): Promise<Endpoints> {
    const url = await this.opts.endpoint();
    if (url === null) throw CinderConnectionFailed.of('there is no volume service (no [cinder] endpoint_template and no volume endpoint in the catalog)');
    const base = projectUrl(url, ctx?.project_id ?? null);
    let e = this.http.get(base);
    if (!e) {
      e = new Endpoints({ servers: [base], retries: this.opts.retries, timeoutMs: this.opts.timeoutMs }, /(?!)/, '[cinder] endpoint_template');
      this.http.set(base, e);
    }
    return e;
  }

  /** One request; the parsed body (null for 202/204 without one). `admin`: as the [cinder] user. */
  async request(ctx: RequestContext | undefined, method: string, path: string, opts: { body?: unknown; admin?: boolean; subject?: Subject } = {}): Promise<unknown> {
    const http = await this.endpoints(ctx);
    const token = await (opts.admin ? this.opts.adminTokens : this.opts.userTokens).token(ctx);
    const headers = requestHeaders(token, ctx, USER_AGENT);
    headers['openstack-api-version'] = `volume ${CINDER_MICROVERSION}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const attempt = async () => {
      const a = await http.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
      let text: string;
      try {
        text = await a.res.text();
      } catch (e) {
        throw new Unreachable(`reading the answer: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        a.done();
      }
      const status = a.res.status;
      this.opts.debug?.(`${method} ${path} → ${status}`);
      let parsed: unknown = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          if (status < 400) throw new CinderClientError(`malformed answer of the volume service for ${method} ${path}`);
        }
      }
      if (status >= 400) throw cinderErrorToNova(status, messageOf(parsed, text), a.res.headers.get('x-openstack-request-id'), opts.subject);
      return parsed;
    };
    // Only reads are retried: a write may have been applied before the connection broke.
    if (method !== 'GET') {
      try {
        return await attempt();
      } catch (e) {
        if (e instanceof Unreachable) throw CinderConnectionFailed.of(e.message);
        throw e;
      }
    }
    return http.withRetries(
      `${method} ${path}`,
      attempt,
      () => false,
      (m) => CinderConnectionFailed.of(m),
    );
  }

  private async one<T>(ctx: RequestContext | undefined, method: string, path: string, key: string, opts: { body?: unknown; admin?: boolean; subject?: Subject }): Promise<T> {
    const body = (await this.request(ctx, method, path, opts)) as Record<string, unknown> | null;
    const v = body?.[key];
    if (v === undefined || v === null) throw new CinderClientError(`the volume service answered ${method} ${path} without ${key}`);
    return v as T;
  }

  getVolume(ctx: RequestContext | undefined, id: string, admin = false): Promise<CinderVolume> {
    return this.one(ctx, 'GET', `/volumes/${encodeURIComponent(id)}`, 'volume', { admin, subject: { kind: 'volume', id } });
  }

  async listVolumes(ctx: RequestContext | undefined, query: Record<string, string> = {}): Promise<CinderVolume[]> {
    const qs = new URLSearchParams(query).toString();
    const body = (await this.request(ctx, 'GET', `/volumes/detail${qs ? `?${qs}` : ''}`)) as { volumes?: CinderVolume[] } | null;
    return body?.volumes ?? [];
  }

  /** POST /volumes (Nova's create: size, name, description, imageRef, snapshot_id, availability_zone, volume_type). */
  createVolume(ctx: RequestContext | undefined, v: VolumeCreate): Promise<CinderVolume> {
    const fields: Record<string, unknown> = { size: v.size };
    for (const k of ['name', 'description', 'imageRef', 'snapshot_id', 'availability_zone', 'volume_type', 'metadata'] as const) {
      if (v[k] !== undefined && v[k] !== null) fields[k] = v[k];
    }
    return this.one(ctx, 'POST', '/volumes', 'volume', { body: { volume: fields }, subject: { kind: 'create', id: '' } });
  }

  async deleteVolume(ctx: RequestContext | undefined, id: string, admin = false): Promise<void> {
    await this.request(ctx, 'DELETE', `/volumes/${encodeURIComponent(id)}`, { admin, subject: { kind: 'volume', id } });
  }

  /** POST /attachments: reserve the volume for the instance (no connector) or attach it to a host (connector). */
  attachmentCreate(
    ctx: RequestContext | undefined,
    volumeId: string,
    instanceUuid: string,
    connector: VolumeConnector | null = null,
    mountpoint: string | null = null,
  ): Promise<CinderAttachment> {
    const conn = connector && mountpoint && !('mountpoint' in connector) ? { ...connector, mountpoint } : connector;
    const attachment: Record<string, unknown> = { volume_uuid: volumeId, instance_uuid: instanceUuid };
    if (conn) attachment.connector = conn;
    return this.one(ctx, 'POST', '/attachments', 'attachment', { body: { attachment }, subject: { kind: 'volume', id: volumeId } });
  }

  /** PUT /attachments/{id} with the host's connector: the connection_info. */
  attachmentUpdate(ctx: RequestContext | undefined, attachmentId: string, connector: VolumeConnector, mountpoint: string | null = null, admin = false): Promise<CinderAttachment> {
    const conn = mountpoint && !('mountpoint' in connector) ? { ...connector, mountpoint } : connector;
    return this.one(ctx, 'PUT', `/attachments/${encodeURIComponent(attachmentId)}`, 'attachment', {
      body: { attachment: { connector: conn } },
      admin,
      subject: { kind: 'attachment', id: attachmentId },
    });
  }

  /** POST /attachments/{id}/action os-complete: the volume is in-use. */
  async attachmentComplete(ctx: RequestContext | undefined, attachmentId: string, admin = false): Promise<void> {
    await this.request(ctx, 'POST', `/attachments/${encodeURIComponent(attachmentId)}/action`, {
      body: { 'os-complete': null },
      admin,
      subject: { kind: 'attachment', id: attachmentId },
    });
  }

  attachmentGet(ctx: RequestContext | undefined, attachmentId: string, admin = false): Promise<CinderAttachment> {
    return this.one(ctx, 'GET', `/attachments/${encodeURIComponent(attachmentId)}`, 'attachment', { admin, subject: { kind: 'attachment', id: attachmentId } });
  }

  /** DELETE /attachments/{id}: detached (the volume available again when it was the last). */
  async attachmentDelete(ctx: RequestContext | undefined, attachmentId: string, admin = false): Promise<void> {
    await this.request(ctx, 'DELETE', `/attachments/${encodeURIComponent(attachmentId)}`, { admin, subject: { kind: 'attachment', id: attachmentId } });
  }

  /** POST /snapshots (force: of an in-use volume, as Nova's create_snapshot_force). */
  createSnapshot(ctx: RequestContext | undefined, volumeId: string, name: string | null, description: string | null, force: boolean): Promise<CinderSnapshot> {
    return this.one(ctx, 'POST', '/snapshots', 'snapshot', {
      body: { snapshot: { volume_id: volumeId, name, description, force } },
      subject: { kind: 'volume', id: volumeId },
    });
  }

  getSnapshot(ctx: RequestContext | undefined, id: string): Promise<CinderSnapshot> {
    return this.one(ctx, 'GET', `/snapshots/${encodeURIComponent(id)}`, 'snapshot', { subject: { kind: 'snapshot', id } });
  }

  async listSnapshots(ctx: RequestContext | undefined): Promise<CinderSnapshot[]> {
    const body = (await this.request(ctx, 'GET', '/snapshots/detail')) as { snapshots?: CinderSnapshot[] } | null;
    return body?.snapshots ?? [];
  }

  /** GET /limits: the caller's absolute limits and usage (maxTotalSnapshots, totalSnapshotsUsed…; -1: unlimited). */
  async absoluteLimits(ctx: RequestContext | undefined): Promise<Readonly<Record<string, number>>> {
    const body = (await this.request(ctx, 'GET', '/limits')) as { limits?: { absolute?: Record<string, number> } } | null;
    return body?.limits?.absolute ?? {};
  }

  async deleteSnapshot(ctx: RequestContext | undefined, id: string): Promise<void> {
    await this.request(ctx, 'DELETE', `/snapshots/${encodeURIComponent(id)}`, { subject: { kind: 'snapshot', id } });
  }
}
