/**
 * The rest of the volume API Nova and the clients look at:
 * os-availability-zone, os-services (admin), scheduler-stats/get_pools
 * (admin), extensions.
 */
import { atLeast } from '../http/microversion.ts';
import { apiTime, dbNow } from './db/store.ts';
import { json, route, type VolumeDeps, type VolumeRoute } from './http.ts';
import { assertAdmin } from './policy.ts';
import { boolParam, param } from './query.ts';

export function miscRoutes(deps: VolumeDeps): VolumeRoute[] {
  const backendHost = () => `${deps.host}@${deps.conf.volume_backend_name}`;
  const started = apiTime(dbNow());
  return [
    route({
      method: 'GET',
      path: '/v3/os-availability-zone',
      handler: async () => json({ availabilityZoneInfo: [{ zoneName: deps.conf.storage_availability_zone, zoneState: { available: true } }] }),
    }),
    route({
      method: 'GET',
      path: '/v3/os-services',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:services:index');
        const now = apiTime(dbNow());
        const rows = [
          { binary: 'cinder-scheduler', host: deps.host },
          { binary: 'cinder-volume', host: backendHost() },
        ]
          .filter((s) => (param(req, 'binary') ?? s.binary) === s.binary && (param(req, 'host') ?? s.host) === s.host)
          .map((s) => {
            const out: Record<string, unknown> = { ...s, zone: deps.conf.storage_availability_zone, status: 'enabled', state: 'up', updated_at: now, disabled_reason: null };
            if (atLeast(req.version, '3.7')) out.cluster = null;
            if (atLeast(req.version, '3.26') && s.binary === 'cinder-volume') Object.assign(out, { replication_status: 'disabled', active_backend_id: null, frozen: false });
            if (atLeast(req.version, '3.49') && s.binary === 'cinder-volume') out.backend_state = 'up';
            return out;
          });
        return json({ services: rows });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/scheduler-stats/get_pools',
      handler: async (req) => {
        assertAdmin(req.ctx, 'scheduler_extension:scheduler_stats:get_pools');
        const name = `${backendHost()}#${deps.conf.volume_backend_name}`;
        if (!boolParam(param(req, 'detail'), 'detail')) return json({ pools: [{ name }] });
        const s = await deps.driver.stats();
        return json({
          pools: [
            {
              name,
              capabilities: {
                pool_name: deps.conf.volume_backend_name,
                volume_backend_name: s.volume_backend_name,
                total_capacity_gb: s.total_capacity_gb,
                free_capacity_gb: s.free_capacity_gb,
                allocated_capacity_gb: (await deps.store.list('volumes')).reduce((n, v) => n + v.size, 0),
                reserved_percentage: 0,
                storage_protocol: 'nbd',
                driver_version: '1.0.0',
                vendor_name: 'Open Source',
                QoS_support: false,
                multiattach: false,
                thin_provisioning_support: true,
                timestamp: started,
              },
            },
          ],
        });
      },
    }),
    route({ method: 'GET', path: '/v3/extensions', handler: async () => json({ extensions: [] }) }),
  ];
}
