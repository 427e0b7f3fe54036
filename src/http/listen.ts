import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../exception/base.ts';

/**
 * Start an HTTP API on host:port. A failure becomes one line naming the
 * option (e.g. "[api] osapi_compute_listen 0.0.0.0:8774: cannot listen: the
 * address is already in use"). Returns the URL clients use: `myIp` replaces
 * a wildcard address, and the real port replaces 0.
 */
export async function listenHttp(app: FastifyInstance, host: string, port: number, option: string, myIp: string): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ConfigError(`${option} ${host}:${port}: cannot listen: ${why}`);
  }
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? myIp : host;
  const scheme = app.initialConfig.https ? 'https' : 'http';
  return `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actualPort}`;
}
