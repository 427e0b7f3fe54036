/**
 * The volume service of a deployment that has none (no `[cinder]`
 * configured, or no volume endpoint in the catalog), as the client sees it:
 * no volume, snapshot or attachment exists, so lists are empty and lookups
 * answer the resource's NotFound (an attach: 'Volume X could not be
 * found.'); nothing can be created (400). The Compute API's volume proxies
 * and os-volume_attachments then answer as for volumes that are not there.
 */
import type { RequestContext } from '../context.ts';
import { InvalidInput } from '../exception/volume.ts';
import { CinderClient, cinderErrorToNova, type Subject } from './cinder.ts';
import { NoAuthTokenProvider } from './tokens.ts';

export class AbsentVolumeService extends CinderClient {
  constructor() {
    super({ endpoint: async () => null, userTokens: new NoAuthTokenProvider({ actAsCaller: true }), adminTokens: new NoAuthTokenProvider(), retries: 0, timeoutMs: 0 });
  }

  override async available(): Promise<boolean> {
    return false;
  }

  override async request(_ctx: RequestContext | undefined, method: string, path: string, opts: { body?: unknown; admin?: boolean; subject?: Subject } = {}): Promise<unknown> {
    if (method === 'GET' && /\/detail(\?|$)/.test(path)) return {};
    if (opts.subject && opts.subject.kind !== 'create') throw cinderErrorToNova(404, 'Not found', null, opts.subject);
    throw InvalidInput.of('There is no volume service: nova is not configured with one ([cinder]).');
  }
}

/** The one absent service (it holds no state). */
export const ABSENT_VOLUME_SERVICE = new AbsentVolumeService();
