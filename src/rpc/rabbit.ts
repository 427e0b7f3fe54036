import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import { decodeEnvelope, encodeEnvelope, newMessageId } from './envelope.ts';
import { MessageDeliveryFailure, MessagingTimeout } from './errors.ts';
import type { IncomingHandler, Listener, Target, Transport, TransportEvents, WireMessage, WireReply } from './transport.ts';
import { type BrokerHost, describeTransportUrl, type TransportUrl } from './url.ts';

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
  events?: TransportEvents & { onUnroutable?(routingKey: string): void; onError?(message: string): void };
}

interface ListenSpec {
  topic: string;
  server: string;
  handler: IncomingHandler;
  consumerTags: string[];
  active: boolean;
}

interface Pending {
  resolve: (r: WireReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Errors of amqplib and the socket, as one line. */
function describeError(e: unknown, host?: BrokerHost): string {
  const err = e as NodeJS.ErrnoException;
  const where = host ? `${host.host}:${host.port}` : 'RabbitMQ';
  if (err?.code === 'ECONNREFUSED') return `connection refused by ${where}`;
  if (err?.code === 'ENOTFOUND') return `unknown host ${host?.host ?? ''}`;
  if (err?.code === 'ETIMEDOUT') return `timed out connecting to ${where}`;
  if (/ACCESS_REFUSED|403/.test(String(err?.message))) return `access refused by ${where} (check user and password)`;
  if (/NOT_ALLOWED|530/.test(String(err?.message))) return `virtual host not allowed on ${where}`;
  return `${where}: ${err?.message ?? String(e)}`;
}

/**
 * RabbitMQ transport with oslo.messaging's topology: a topic exchange
 * (`nova`), queues `topic` and `topic.server` bound to it, a fanout exchange
 * `topic_fanout` with an exclusive queue per server, and a private reply
 * queue per transport for calls. Messages are acknowledged on receipt (as
 * oslo does). A lost connection is re-established with backoff and every
 * listener is restored; calls in flight during the outage time out.
 */
export class RabbitTransport implements Transport {
  readonly description: string;
  private conn: ChannelModel | null = null;
  private pub: ConfirmChannel | null = null;
  private sub: Channel | null = null;
  private readonly replyQueue = `reply_${randomUUID().replace(/-/g, '')}`;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<ListenSpec>();
  private ready: Promise<void> | null = null;
  private closing = false;
  private hostIndex = 0;
  private reconnecting = false;

  constructor(
    private readonly url: TransportUrl,
    private readonly opts: RabbitOptions,
  ) {
    this.description = describeTransportUrl(url);
  }

  async connect(): Promise<void> {
    if (this.conn) return;
    let lastError = '';
    for (let attempt = 1; attempt <= this.opts.connectAttempts; attempt++) {
      try {
        await this.open();
        return;
      } catch (e) {
        lastError = describeError(e, this.url.hosts[this.hostIndex]);
        this.hostIndex = (this.hostIndex + 1) % this.url.hosts.length;
        if (attempt < this.opts.connectAttempts) await sleep(this.opts.retryIntervalMs);
      }
    }
    throw new MessageDeliveryFailure(`cannot connect to the message bus ${this.description}: ${lastError}`);
  }

  private async open(): Promise<void> {
    const h = this.url.hosts[this.hostIndex] as BrokerHost;
    const amqp = await import('amqplib');
    const conn = await amqp.connect(
      {
        protocol: 'amqp',
        hostname: h.host,
        port: h.port,
        username: h.username,
        password: h.password,
        vhost: this.url.virtualHost,
        heartbeat: this.opts.heartbeatSeconds,
      },
      { timeout: 10_000, noDelay: true },
    );
    try {
      const pub = await conn.createConfirmChannel();
      const sub = await conn.createChannel();
      if (this.opts.prefetch > 0) await sub.prefetch(this.opts.prefetch);
      await pub.assertExchange(this.opts.exchange, 'topic', { durable: false, autoDelete: false });
      pub.on('return', (msg: Message) => this.onReturn(msg));
      pub.on('error', () => {});
      sub.on('error', () => {});
      await sub.assertQueue(this.replyQueue, { exclusive: true, autoDelete: true, durable: false });
      await sub.consume(this.replyQueue, (m) => this.onReply(m), { noAck: true });
      this.conn = conn;
      this.pub = pub;
      this.sub = sub;
      for (const l of this.listeners) if (l.active) await this.consumeFor(l);
    } catch (e) {
      await conn.close().catch(() => {});
      throw e;
    }
    conn.on('error', () => {});
    conn.on('close', (err?: Error) => this.onConnectionLost(err));
    this.ready = Promise.resolve();
  }

  private onConnectionLost(err?: Error): void {
    this.conn = null;
    this.pub = null;
    this.sub = null;
    if (this.closing) return;
    this.opts.events?.onDisconnect?.(err ? describeError(err) : 'connection closed');
    let release: () => void = () => {};
    this.ready = new Promise<void>((resolve) => {
      release = resolve;
    });
    void this.reconnectLoop(release);
  }

  private async reconnectLoop(release: () => void): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    let delay = this.opts.retryIntervalMs;
    for (let attempt = 1; !this.closing; attempt++) {
      await sleep(delay);
      if (this.closing) break;
      try {
        await this.open();
        this.opts.events?.onReconnect?.(attempt);
        release();
        break;
      } catch (e) {
        this.opts.events?.onError?.(`reconnect attempt ${attempt} failed: ${describeError(e, this.url.hosts[this.hostIndex])}`);
        this.hostIndex = (this.hostIndex + 1) % this.url.hosts.length;
        delay = Math.min(delay + this.opts.retryBackoffMs, this.opts.maxIntervalMs);
      }
    }
    this.reconnecting = false;
  }

  /** Wait until connected, at most `ms`. */
  private async channelFor(ms: number): Promise<ConfirmChannel> {
    if (this.closing) throw new MessageDeliveryFailure('transport is closed');
    if (this.pub) return this.pub;
    if (!this.ready) throw new MessageDeliveryFailure('transport is not connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new MessageDeliveryFailure(`message bus ${this.description} unreachable for ${ms} ms`)), ms);
    });
    try {
      await Promise.race([this.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (!this.pub) throw new MessageDeliveryFailure(`message bus ${this.description} is not connected`);
    return this.pub;
  }

  private publish(ch: ConfirmChannel, exchange: string, key: string, body: Buffer, options: Options.Publish): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        ch.publish(exchange, key, body, { contentType: 'application/json', contentEncoding: 'utf-8', ...options }, (err: unknown) =>
          err ? reject(new MessageDeliveryFailure(`the broker did not accept the message for ${key}`)) : resolve(),
        );
      } catch (e) {
        reject(new MessageDeliveryFailure(`cannot publish to ${key}: ${(e as Error).message}`));
      }
    });
  }

  private routingKey(target: Target): string {
    return target.server ? `${target.topic}.${target.server}` : target.topic;
  }

  async cast(target: Target, message: WireMessage): Promise<void> {
    const ch = await this.channelFor(this.opts.sendWaitMs);
    const body = encodeEnvelope(message);
    if (target.fanout) {
      const ex = `${target.topic}_fanout`;
      await ch.assertExchange(ex, 'fanout', { durable: false, autoDelete: true });
      await this.publish(ch, ex, '', body, {});
      return;
    }
    await this.publish(ch, this.opts.exchange, this.routingKey(target), body, { mandatory: true });
  }

  async call(target: Target, message: WireMessage, timeoutMs: number): Promise<WireReply> {
    if (target.fanout) throw new MessageDeliveryFailure('a call cannot be fanned out');
    const started = Date.now();
    const ch = await this.channelFor(timeoutMs);
    const msgId = (message._msg_id as string | undefined) ?? newMessageId();
    const body = encodeEnvelope({ ...message, _msg_id: msgId, _reply_q: this.replyQueue });
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    const result = new Promise<WireReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        reject(new MessagingTimeout(`Timed out waiting for a reply to message ID ${msgId}`));
      }, remaining);
      this.pending.set(msgId, { resolve, reject, timer });
    });
    try {
      await this.publish(ch, this.opts.exchange, this.routingKey(target), body, {
        mandatory: true,
        correlationId: msgId,
        expiration: String(Math.ceil(remaining)),
      });
    } catch (e) {
      this.settle(msgId, null, e as Error);
    }
    return result;
  }

  private settle(msgId: string, reply: WireReply | null, error?: Error): void {
    const p = this.pending.get(msgId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(msgId);
    if (error) p.reject(error);
    else p.resolve(reply ?? {});
  }

  private onReturn(msg: Message): void {
    const key = msg.fields.routingKey;
    const id = msg.properties.correlationId as string | undefined;
    if (id && this.pending.has(id)) {
      this.settle(id, null, new MessageDeliveryFailure(`no consumer is listening on ${key}`));
      return;
    }
    this.opts.events?.onUnroutable?.(key);
  }

  private onReply(m: ConsumeMessage | null): void {
    if (!m) return;
    try {
      const msg = decodeEnvelope(m.content);
      const id = msg._msg_id as string | undefined;
      if (!id) return;
      this.settle(id, { result: msg.result, failure: (msg.failure as string | null | undefined) ?? null });
    } catch (e) {
      this.opts.events?.onError?.(`undecodable reply: ${(e as Error).message}`);
    }
  }

  private async consumeFor(l: ListenSpec): Promise<void> {
    const sub = this.sub;
    if (!sub) return;
    const ex = this.opts.exchange;
    const shared = l.topic;
    const direct = `${l.topic}.${l.server}`;
    const fanoutEx = `${l.topic}_fanout`;
    const fanoutQ = `${l.topic}_fanout_${randomUUID().replace(/-/g, '')}`;
    await sub.assertQueue(shared, { durable: false, autoDelete: false });
    await sub.bindQueue(shared, ex, shared);
    await sub.assertQueue(direct, { durable: false, autoDelete: false });
    await sub.bindQueue(direct, ex, direct);
    await sub.assertExchange(fanoutEx, 'fanout', { durable: false, autoDelete: true });
    await sub.assertQueue(fanoutQ, { exclusive: true, autoDelete: true, durable: false });
    await sub.bindQueue(fanoutQ, fanoutEx, '');
    const onMessage = (m: ConsumeMessage | null) => {
      if (!m) return;
      sub.ack(m);
      let msg: WireMessage;
      try {
        msg = decodeEnvelope(m.content);
      } catch (e) {
        this.opts.events?.onError?.(`dropping undecodable message on ${m.fields.routingKey}: ${(e as Error).message}`);
        return;
      }
      const replyQ = msg._reply_q as string | undefined;
      const msgId = msg._msg_id as string | undefined;
      const reply =
        replyQ && msgId
          ? async (r: WireReply) => {
              const ch = await this.channelFor(this.opts.sendWaitMs);
              const body = encodeEnvelope({ result: r.result ?? null, failure: r.failure ?? null, ending: true, _msg_id: msgId });
              await this.publish(ch, '', replyQ, body, {});
            }
          : null;
      l.handler(msg, reply);
    };
    l.consumerTags = [];
    for (const q of [shared, direct, fanoutQ]) {
      const { consumerTag } = await sub.consume(q, onMessage);
      l.consumerTags.push(consumerTag);
    }
  }

  async listen(topic: string, server: string, handler: IncomingHandler): Promise<Listener> {
    await this.channelFor(this.opts.sendWaitMs);
    const spec: ListenSpec = { topic, server, handler, consumerTags: [], active: true };
    this.listeners.add(spec);
    await this.consumeFor(spec);
    return {
      stop: async () => {
        spec.active = false;
        this.listeners.delete(spec);
        const sub = this.sub;
        if (!sub) return;
        for (const tag of spec.consumerTags) await sub.cancel(tag).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const [id] of this.pending) this.settle(id, null, new MessageDeliveryFailure('transport closed while waiting for a reply'));
    const conn = this.conn;
    this.conn = null;
    this.pub = null;
    this.sub = null;
    if (conn) await conn.close().catch(() => {});
  }
}
