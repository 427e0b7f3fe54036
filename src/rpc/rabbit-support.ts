/** What configures a RabbitTransport, how its connection errors read, and confirmed publishing. */
import type { ConfirmChannel, Options } from 'amqplib';
import { NovaError } from '../exception/base.ts';
import { MessageDeliveryFailure } from './errors.ts';
import type { TransportEvents } from './transport.ts';
import type { BrokerHost } from './url.ts';

export interface RabbitOptions {
  /** The topic exchange (`[DEFAULT] control_exchange`). */
  exchange: string;
  retryIntervalMs: number;
  retryBackoffMs: number;
  maxIntervalMs: number;
  heartbeatSeconds: number;
  prefetch: number;
  /** Attempts of the first connection before connect() fails. */
  connectAttempts: number;
  /** How long a send waits for a lost connection to come back. */
  sendWaitMs: number;
  /** Topic queues (and the topic exchange) survive a broker restart; messages to them are persistent. */
  durableQueues?: boolean;
  /** Topic queues are quorum queues (replicated across a cluster; implies durable). */
  quorumQueues?: boolean;
  /** Re-publishes of a message the broker returned as unroutable before the send fails. */
  publishRetries?: number;
  events?: TransportEvents & { onUnroutable?(routingKey: string): void; onError?(message: string): void };
}

/** Errors of amqplib and the socket, as one line. */
export function describeBrokerError(e: unknown, host?: BrokerHost): string {
  const err = e as NodeJS.ErrnoException;
  const where = host ? `${host.host}:${host.port}` : 'RabbitMQ';
  if (err?.code === 'ECONNREFUSED') return `connection refused by ${where}`;
  if (err?.code === 'ENOTFOUND') return `unknown host ${host?.host ?? ''}`;
  if (err?.code === 'ETIMEDOUT') return `timed out connecting to ${where}`;
  if (/ACCESS_REFUSED|403/.test(String(err?.message))) return `access refused by ${where} (check user and password)`;
  if (/NOT_ALLOWED|530/.test(String(err?.message))) return `virtual host not allowed on ${where}`;
  return `${where}: ${err?.message ?? String(e)}`;
}

/** Publish on a confirm channel and wait for the broker's confirm (a nack and a lost connection fail differently). */
export function publishConfirmed(ch: ConfirmChannel, exchange: string, key: string, body: Buffer, options: Options.Publish): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      ch.publish(exchange, key, body, { contentType: 'application/json', contentEncoding: 'utf-8', ...options }, (err: unknown) =>
        err
          ? reject(
              err instanceof Error && err.message === 'message nacked'
                ? new MessageDeliveryFailure(`the broker did not accept the message for ${key}`, { nacked: true })
                : new MessageDeliveryFailure(`the connection was lost before the broker confirmed the message for ${key}`),
            )
          : resolve(),
      );
    } catch (e) {
      reject(new MessageDeliveryFailure(`cannot publish to ${key}: ${(e as Error).message}`));
    }
  });
}

/**
 * A send that failed in the channel itself (amqplib rejects with plain
 * Errors when the connection drops: "Channel ended, no reply will be
 * forthcoming") is a MessageDeliveryFailure, as every other lost send is:
 * callers retry it, the APIs answer 503. Nova errors pass as they are.
 */
export function asDeliveryFailure(e: unknown): never {
  if (e instanceof NovaError) throw e;
  throw new MessageDeliveryFailure(`the message bus connection was lost: ${e instanceof Error ? e.message : String(e)}`);
}
