/**
 * GET /servers/{id}/diagnostics (nova/api/openstack/compute/server_diagnostics.py):
 * admin only. From 2.48 Nova's standard format (views/server_diagnostics.py:
 * state, driver, hypervisor, hypervisor_os, uptime, config_drive,
 * num_cpus/nics/disks, disk/cpu/nic details, memory_details), before that
 * the driver's own dict. Asked of the server's compute host: a server
 * without one is 409 "Instance … is not ready", one whose guest does not run
 * 409 "Cannot 'get_diagnostics' instance … while it is in power state …",
 * a driver without diagnostics 501.
 */
import { NotImplementedYet } from '../../exception/base.ts';
import { InstanceNotReady } from '../../exception/console.ts';
import type { InstanceDiagnostics } from '../../virt/driver-host.ts';
import { conflict, HttpError } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

const POLICY = 'os_compute_api:os-server-diagnostics';

/** The 2.48 body, fields in Nova's view order. */
export function diagnosticsView(d: InstanceDiagnostics): Record<string, unknown> {
  return {
    state: d.state,
    driver: d.driver,
    hypervisor: d.hypervisor,
    hypervisor_os: d.hypervisor_os,
    uptime: d.uptime,
    config_drive: d.config_drive,
    num_cpus: d.num_cpus,
    num_nics: d.num_nics,
    num_disks: d.num_disks,
    disk_details: d.disk_details.map((x) => ({
      read_bytes: x.read_bytes,
      read_requests: x.read_requests,
      write_bytes: x.write_bytes,
      write_requests: x.write_requests,
      errors_count: x.errors_count,
    })),
    cpu_details: d.cpu_details.map((x) => ({ id: x.id, time: x.time, utilisation: x.utilisation })),
    nic_details: d.nic_details.map((x) => ({
      mac_address: x.mac_address,
      rx_octets: x.rx_octets,
      rx_errors: x.rx_errors,
      rx_drop: x.rx_drop,
      rx_packets: x.rx_packets,
      rx_rate: x.rx_rate,
      tx_octets: x.tx_octets,
      tx_errors: x.tx_errors,
      tx_drop: x.tx_drop,
      tx_packets: x.tx_packets,
      tx_rate: x.tx_rate,
    })),
    memory_details: { maximum: d.memory_details.maximum, used: d.memory_details.used },
  };
}

async function index(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  authorize(req.ctx, POLICY, { project_id: inst.project_id });
  const hosts = d.hosts;
  if (!hosts) throw new HttpError(501, 'The requested functionality is not supported.');
  try {
    return await stateConflicts('get_diagnostics', req.params.id, async () => {
      if (atLeast(req.version, '2.48')) return ok(diagnosticsView(await hosts.getInstanceDiagnostics(req.ctx, inst)));
      return ok(await hosts.getDiagnostics(req.ctx, inst));
    });
  } catch (e) {
    if (e instanceof InstanceNotReady) throw conflict(e.message);
    if (e instanceof NotImplementedYet) throw new HttpError(501, 'The requested functionality is not supported.');
    throw e;
  }
}

/** GET /servers/{id}/diagnostics. */
export function serverDiagnosticsRoutes(d: ServerApiDeps): Route[] {
  return [route({ method: 'GET', path: '/servers/:id/diagnostics', policy: POLICY, handler: (req) => index(d, req) })];
}
