import type { Kysely } from 'kysely';
import { dbTime } from '../time.ts';
import type { NovaMigration } from './types.ts';

/** The classic flavors (m1.tiny … m1.xlarge) plus devstack's m1.nano and m1.micro for tiny test guests. */
export const DEFAULT_FLAVORS = [
  { flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1 },
  { flavorid: '2', name: 'm1.small', memory_mb: 2048, vcpus: 1, root_gb: 20 },
  { flavorid: '3', name: 'm1.medium', memory_mb: 4096, vcpus: 2, root_gb: 40 },
  { flavorid: '4', name: 'm1.large', memory_mb: 8192, vcpus: 4, root_gb: 80 },
  { flavorid: '5', name: 'm1.xlarge', memory_mb: 16384, vcpus: 8, root_gb: 160 },
  { flavorid: '42', name: 'm1.nano', memory_mb: 128, vcpus: 1, root_gb: 1 },
  { flavorid: '84', name: 'm1.micro', memory_mb: 192, vcpus: 1, root_gb: 1 },
] as const;

export const defaultFlavors: NovaMigration = {
  name: '002_default_flavors',
  async up(db: Kysely<unknown>) {
    const k = db as unknown as Kysely<{ flavors: Record<string, unknown> }>;
    const now = dbTime();
    for (const f of DEFAULT_FLAVORS) {
      const exists = await k.selectFrom('flavors').select('id').where('flavorid', '=', f.flavorid).executeTakeFirst();
      if (exists) continue;
      await k
        .insertInto('flavors')
        .values({ ...f, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, disabled: 0, is_public: 1, description: null, extra_specs: '{}', created_at: now, updated_at: null })
        .execute();
    }
  },
};
