/**
 * GET /servers/{id}/topology (2.78, nova/api/openstack/compute/server_topology.py):
 * the NUMA topology of the server's guest. Policies
 * compute:server:topology:index (project reader or admin) and, for the host
 * side of each node (host_node, cpu_pinning), compute:server:topology:host:index
 * (admin), checked without failing. An instance without a NUMA topology, as
 * every instance here is (neither the fake nor the qemu driver places guests
 * on host NUMA cells, and flavors' hw:numa_* are not applied), answers
 * {"nodes": [], "pagesize_kb": null}, as Nova does. Another project's server
 * is not found (404).
 */
import { allowed, authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ServerApiDeps } from './servers.ts';

/** One guest NUMA node as Nova shows it; the host fields only to callers passing host:index. */
export interface TopologyNode {
  vcpu_set: number[];
  siblings: number[][];
  memory_mb: number;
  host_node?: number;
  cpu_pinning?: Record<string, number>;
}

async function index(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  const target = { project_id: inst.project_id };
  authorize(req.ctx, 'compute:server:topology:index', target);
  // fatal=False in Nova: decides only whether host_node and cpu_pinning are shown, for the nodes an instance has.
  allowed(req.ctx, 'compute:server:topology:host:index', target);
  const nodes: TopologyNode[] = [];
  return ok({ nodes, pagesize_kb: null });
}

/** GET /servers/{id}/topology, from 2.78. */
export function serverTopologyRoutes(d: ServerApiDeps): Route[] {
  return [route({ method: 'GET', path: '/servers/:id/topology', minVersion: '2.78', policy: 'compute:server:topology:index', handler: (req) => index(d, req) })];
}
