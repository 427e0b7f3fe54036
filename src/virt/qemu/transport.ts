/**
 * What moves between hosts travel on: TCP ports from `[qemu]
 * live_migration_port_range` on this host's move address
 * (`live_migration_inbound_addr`, else `[DEFAULT] my_ip`), and a TLS
 * pre-shared key made for each move. QEMU and qemu-img read the key from a
 * private directory as `keys.psk` (`username:hexkey`); the key itself
 * reaches the other host inside the move's data over the message bus.
 */
import net from 'node:net';
import type { NovaConfig } from '../../conf/loader.ts';
import { HypervisorError } from '../../exception/virt.ts';

export { newPsk, PSK_USER, pskObject, writePskDir } from '../../qemu/psk.ts';

/** The address other hosts reach this one at for moves. */
export function inboundAddress(conf: NovaConfig): string {
  return conf.qemu.live_migration_inbound_addr || conf.DEFAULT.my_ip;
}

/** `host` as the host part of a QEMU URI (`tcp:[::1]:49152`). */
export function uriHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `[qemu] live_migration_port_range` as numbers. */
export function parseMoveRange(range: string): { first: number; last: number } {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(range);
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  if (!m || first < 1024 || last > 65535 || first > last) {
    throw new HypervisorError(`[qemu] live_migration_port_range '${range}' must be first:last with 1024 <= first <= last <= 65535`);
  }
  return { first, last };
}

function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Ports handed out in this process a moment ago (their listener may not be up yet). */
const recentlyPicked = new Map<string, number>();
const PICK_HOLD_MS = 30_000;

/**
 * A port of `range` that nothing listens on at `host` now and that this
 * process did not hand out in the last 30 s. The caller binds it at once
 * and picks again when another process was faster.
 */
export async function pickPort(host: string, range: string): Promise<number> {
  const { first, last } = parseMoveRange(range);
  const now = Date.now();
  for (const [k, at] of recentlyPicked) if (now - at > PICK_HOLD_MS) recentlyPicked.delete(k);
  const span = last - first + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = first + ((start + i) % span);
    const key = `${host} ${port}`;
    if (recentlyPicked.has(key)) continue;
    if (!(await bindable(host, port))) continue;
    recentlyPicked.set(key, Date.now());
    return port;
  }
  throw new HypervisorError(`no free port left in [qemu] live_migration_port_range ${range} on ${host}`);
}

/** True when `e` says the port was taken meanwhile. */
export function addressInUse(e: unknown): boolean {
  return e instanceof Error && /address already in use|EADDRINUSE|Failed to find an available port/i.test(e.message);
}
