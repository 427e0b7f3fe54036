import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';
import { transportFromConfig } from '../rpc/factory.ts';
import type { Transport } from '../rpc/transport.ts';

/** The transport of `[DEFAULT] transport_url`, logging its connection changes. */
export function makeTransport(conf: NovaConfig, log: Logger): Transport {
  return transportFromConfig(conf, {
    onDisconnect: (reason) => log.error({ reason }, 'lost the message bus connection; reconnecting'),
    onReconnect: (attempt) => log.info({ attempt }, 'message bus connection re-established'),
    onUnroutable: (key) => log.warn({ routing_key: key }, 'message was unroutable: nobody listens on this topic'),
    onError: (message) => log.warn(message),
  });
}
