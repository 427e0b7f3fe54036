import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import { HttpServiceManager } from '../http/manager.ts';
import type { Logger } from '../log.ts';
import type { TokenProvider } from './token-provider.ts';

/**
 * nova-identity as a service manager: the HTTP listener ([identity] listen,
 * listen_port) and an hourly purge of long-expired tokens.
 */
export function identityManager(app: FastifyInstance, conf: NovaConfig, tokens: TokenProvider, log: Logger): HttpServiceManager {
  const { listen: host, listen_port: port } = conf.identity;
  return new HttpServiceManager({
    app,
    listen: { host, port, option: '[identity] listen', myIp: conf.DEFAULT.my_ip },
    title: 'Identity API',
    log,
    periodicTasks: [
      {
        name: 'purge_expired_tokens',
        intervalSec: 3600,
        runAtStart: true,
        run: async () => {
          const n = await tokens.purgeExpired();
          if (n) log.info({ tokens: n }, 'purged expired tokens');
        },
      },
    ],
  });
}
