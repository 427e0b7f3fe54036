import type { NovaConfig } from '../conf/loader.ts';
import { MemoryTransport } from './memory.ts';
import { RabbitTransport } from './rabbit.ts';
import type { Transport, TransportEvents } from './transport.ts';
import { parseTransportUrl } from './url.ts';

export interface TransportLogHooks extends TransportEvents {
  onUnroutable?(routingKey: string): void;
  onError?(message: string): void;
}

/** Build the transport `[DEFAULT] transport_url` names (not yet connected). */
export function transportFromConfig(conf: NovaConfig, hooks: TransportLogHooks = {}): Transport {
  const url = parseTransportUrl(conf.DEFAULT.transport_url);
  if (url.scheme === 'memory') return new MemoryTransport(url.raw);
  const r = conf.oslo_messaging_rabbit;
  return new RabbitTransport(url, {
    exchange: conf.DEFAULT.control_exchange,
    retryIntervalMs: r.rabbit_retry_interval * 1000,
    retryBackoffMs: r.rabbit_retry_backoff * 1000,
    maxIntervalMs: r.rabbit_interval_max * 1000,
    heartbeatSeconds: r.heartbeat_timeout_threshold,
    prefetch: r.rabbit_qos_prefetch_count,
    connectAttempts: r.connect_attempts,
    sendWaitMs: conf.DEFAULT.rpc_response_timeout * 1000,
    durableQueues: r.amqp_durable_queues,
    quorumQueues: r.rabbit_quorum_queue,
    publishRetries: r.unroutable_retries,
    events: hooks,
  });
}
