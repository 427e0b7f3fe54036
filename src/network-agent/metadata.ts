/**
 * The metadata service of the DHCP role's networks, as Neutron's isolated
 * metadata: in each qdhcp-<network> namespace, 169.254.169.254 on the `ns-`
 * device and a nova-ns-metadata-proxy (bin/, node built-ins only, started
 * like dnsmasq and outliving the agent) that passes a guest's request to
 * this agent's unix socket (`[DEFAULT] metadata_proxy_socket`) with the
 * guest's address (X-Forwarded-For) and the network (X-Neutron-Network-ID).
 * The agent (Neutron's metadata agent) finds the port holding that address
 * on that network in the state it last read, and forwards the request to
 * nova-api-metadata as the instance using the port (X-Instance-ID: its
 * device_id, X-Tenant-ID: its project) signed with `[neutron]
 * metadata_proxy_shared_secret` (X-Instance-ID-Signature: HMAC-SHA256).
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../conf/paths.ts';
import type { AgentPort, HostState } from '../network/rpc-types.ts';

export const METADATA_IP = '169.254.169.254';
export const PROXY_SCRIPT = path.join(projectRoot, 'bin', 'nova-ns-metadata-proxy.js');

export interface MetadataSettings {
  readonly socket: string;
  readonly novaHost: string;
  readonly novaPort: number;
  readonly secret: string;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/** The port of `networkId` holding `address` that a guest uses (no network:* service port). */
export function portOf(state: HostState, networkId: string, address: string): AgentPort | undefined {
  return state.ports.find((p) => p.network_id === networkId && !p.device_owner.startsWith('network:') && p.fixed_ips.some((f) => f.ip_address === address));
}

const FORWARDED_OUT = ['host', 'connection', 'keep-alive', 'x-neutron-network-id', 'x-neutron-router-id', 'x-instance-id', 'x-tenant-id', 'x-instance-id-signature'];

function answer(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The agent's side: the unix socket server the namespaces' proxies reach. */
export class MetadataAgent {
  private state: HostState | null = null;
  private server: http.Server | null = null;

  constructor(private readonly s: MetadataSettings) {}

  /** The state requests are answered from (the latest sync's). */
  update(state: HostState): void {
    this.state = state;
  }

  async start(): Promise<void> {
    if (this.server) return;
    fs.mkdirSync(path.dirname(this.s.socket), { recursive: true });
    fs.rmSync(this.s.socket, { force: true });
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.s.socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.s.log.info({ socket: this.s.socket, nova_metadata: `${this.s.novaHost}:${this.s.novaPort}` }, 'metadata proxy socket listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(this.s.socket, { force: true });
  }

  /** The port the request's guest uses, or why there is none (status and text). */
  private portFor(req: http.IncomingMessage): { port: AgentPort; address: string } | { status: number; text: string } {
    const networkId = String(req.headers['x-neutron-network-id'] ?? '');
    const address = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')[0]
      ?.trim();
    if (!networkId || !address) return { status: 400, text: 'X-Neutron-Network-ID and X-Forwarded-For are required.\n' };
    if (!this.state) return { status: 503, text: 'The network agent has not read its state yet.\n' };
    const port = portOf(this.state, networkId, address);
    if (port?.device_id) return { port, address };
    this.s.log.warn({ network_id: networkId, address }, 'metadata request from an address no instance port holds');
    return { status: 404, text: 'No instance uses this address on this network.\n' };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const found = this.portFor(req);
    if ('status' in found) {
      answer(res, found.status, found.text);
      return;
    }
    const { port, address } = found;
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    for (const h of FORWARDED_OUT) delete headers[h];
    Object.assign(headers, {
      host: `${this.s.novaHost}:${this.s.novaPort}`,
      'x-forwarded-for': address,
      'x-instance-id': port.device_id,
      'x-tenant-id': port.project_id,
      'x-instance-id-signature': createHmac('sha256', this.s.secret).update(port.device_id).digest('hex'),
    });
    const upstream = http.request({ host: this.s.novaHost, port: this.s.novaPort, path: req.url, method: req.method, headers, timeout: 60_000 }, (r) => {
      if (r.statusCode === 403)
        this.s.log.warn({ instance: port.device_id, address }, 'nova-api-metadata answered Forbidden: the shared secrets ([neutron] metadata_proxy_shared_secret) likely differ');
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', (e) => {
      this.s.log.warn({ err: e.message, instance: port.device_id }, 'nova-api-metadata did not answer');
      answer(res, 500, 'An unknown error has occurred. Please try your request again.\n');
    });
    req.pipe(upstream);
  }
}

/** The pid of the proxy recorded in `dir` when that process is still a metadata proxy. */
export function proxyPid(dir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'metadata-proxy.pid'), 'utf8').trim());
    return pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nova-ns-metadata-proxy') ? pid : null;
  } catch {
    return null;
  }
}

/** Stop the proxy recorded in `dir` (if any). */
export function stopProxy(dir: string): void {
  const pid = proxyPid(dir);
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  fs.rmSync(path.join(dir, 'metadata-proxy.pid'), { force: true });
}

/** A running proxy for `networkId` in namespace `ns` (its files in `dir`): started when missing or when its arguments changed. */
export async function ensureProxy(ns: string, dir: string, networkId: string, socket: string, log: MetadataSettings['log']): Promise<void> {
  const pidFile = path.join(dir, 'metadata-proxy.pid');
  const args = [PROXY_SCRIPT, '--network-id', networkId, '--socket', socket, '--pid-file', pidFile, '--bind-address', METADATA_IP, '--port', '80'];
  const argsFile = path.join(dir, 'metadata-proxy.args');
  let old = '';
  try {
    old = fs.readFileSync(argsFile, 'utf8');
  } catch {
    // first start
  }
  if (old !== JSON.stringify(args)) stopProxy(dir);
  else if (proxyPid(dir) !== null) return;
  fs.rmSync(pidFile, { force: true });
  fs.writeFileSync(argsFile, JSON.stringify(args));
  const out = fs.openSync(path.join(dir, 'metadata-proxy.log'), 'a');
  try {
    // Its own session: it outlives the agent, as dnsmasq does.
    spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { detached: true, stdio: ['ignore', out, out] }).unref();
  } finally {
    fs.closeSync(out);
  }
  for (let i = 0; i < 50 && proxyPid(dir) === null; i++) await new Promise((r) => setTimeout(r, 100));
  if (proxyPid(dir) === null) log.warn({ network_id: networkId, namespace: ns }, 'metadata proxy did not start (see metadata-proxy.log)');
  else log.info({ network_id: networkId, namespace: ns, pid: proxyPid(dir) }, 'metadata proxy started');
}

/** Remove the namespace's proxy (the network is gone or metadata is off). */
export function removeProxy(dir: string): void {
  stopProxy(dir);
  fs.rmSync(path.join(dir, 'metadata-proxy.args'), { force: true });
}
