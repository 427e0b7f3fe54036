import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import { decodeEnvelope, encodeEnvelope, newMessageId } from './envelope.ts';
import { MessageDeliveryFailure, MessagingTimeout } from './errors.ts';
import { asDeliveryFailure, describeBrokerError as describeError, publishConfirmed, type RabbitOptions } from './rabbit-support.ts';
import type { IncomingHandler, Listener, Target, Transport, WireMessage, WireReply } from './transport.ts';
import { type BrokerHost, describeTransportUrl, type TransportUrl } from './url.ts';

export type { RabbitOptions } from './rabbit-support.ts';

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
  /** Topic queues declared on the current connection (publishers declare them too, so no cast waits for a consumer to exist). */
  private declared = new Set<string>();
  /** A replacement publishing channel being opened (after a nack). */
  private renewing: Promise<void> | null = null;
  /** Message ids the broker returned as unroutable, until their confirm arrives. */
  private readonly returned = new Set<string>();

  constructor(
    private readonly url: TransportUrl,
    private readonly opts: RabbitOptions,
  ) {
    this.description = describeTransportUrl(url);
  }

  async connect(): Promise<void> {
    if (this.conn) return;
    let lastError = '';
    // The same backoff as reconnecting (rabbit_retry_interval, + rabbit_retry_backoff, up to rabbit_interval_max): a broker that is
    // restarting when a daemon starts (seconds of boot) is waited for rather than given up on after a few quick tries.
    let delay = this.opts.retryIntervalMs;
    for (let attempt = 1; attempt <= this.opts.connectAttempts; attempt++) {
      try {
        await this.open();
        return;
      } catch (e) {
        lastError = describeError(e, this.url.hosts[this.hostIndex]);
        this.hostIndex = (this.hostIndex + 1) % this.url.hosts.length;
        if (attempt < this.opts.connectAttempts) await sleep(delay);
        delay = Math.min(delay + this.opts.retryBackoffMs, this.opts.maxIntervalMs);
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
    // Listened to at once: a connection reset while the channels are set up (a broker node killed as the daemon starts)
    // is an 'error' event, which with no listener would end the process instead of failing this attempt.
    conn.on('error', () => {});
    try {
      const pub = await this.publisherOn(conn);
      const sub = await conn.createChannel();
      sub.on('error', () => {});
      if (this.opts.prefetch > 0) await sub.prefetch(this.opts.prefetch);
      await pub.assertExchange(this.opts.exchange, 'topic', { durable: this.durable, autoDelete: false });
      await sub.assertQueue(this.replyQueue, { exclusive: true, autoDelete: true, durable: false });
      await sub.consume(this.replyQueue, (m) => this.onReply(m), { noAck: true });
      this.declared = new Set();
      this.conn = conn;
      this.pub = pub;
      this.sub = sub;
      // A channel the broker closed (a refused declaration) takes the connection with it, so the reconnect logic rebuilds both.
      sub.on('close', () => void (this.conn === conn && !this.closing ? conn.close().catch(() => undefined) : undefined));
      for (const l of this.listeners) if (l.active) await this.consumeFor(l);
    } catch (e) {
      if (this.conn === conn) this.conn = null;
      await conn.close().catch(() => {});
      throw e;
    }
    conn.on('close', (err?: Error) => this.onConnectionLost(err));
    this.ready = Promise.resolve();
  }

  /** The confirm channel messages are published on; one closed by the broker takes the connection with it (unless it was replaced meanwhile). */
  private async publisherOn(conn: ChannelModel): Promise<ConfirmChannel> {
    const pub = await conn.createConfirmChannel();
    pub.on('return', (msg: Message) => this.onReturn(msg));
    pub.on('error', () => {});
    pub.on('close', () => void (this.conn === conn && this.pub === pub && !this.closing ? conn.close().catch(() => undefined) : undefined));
    return pub;
  }

  /**
   * The broker nacked a message published on `old`. A quorum queue nacks
   * while it has no leader (a node died, an election is running); a channel
   * that published into such a queue during the election can go on being
   * nacked after a leader is elected (RabbitMQ 3.10), so the next attempt
   * goes through a new publishing channel. Concurrent nacks renew once.
   */
  private renewPublisher(old: ConfirmChannel): Promise<void> {
    const conn = this.conn;
    if (!conn || this.pub !== old) return this.renewing ?? Promise.resolve();
    this.renewing ??= this.publisherOn(conn)
      .then((pub) => {
        if (this.conn !== conn || this.pub !== old) return void pub.close().catch(() => undefined);
        this.pub = pub;
        this.opts.events?.onError?.('the broker nacked a message; publishing through a new channel');
        // The old channel closes once what is in flight on it is settled (a close now would fail messages the broker may have taken).
        void old
          .waitForConfirms()
          .catch(() => undefined)
          .then(() => old.close())
          .catch(() => undefined);
      })
      .catch(() => undefined)
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
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

  private get durable(): boolean {
    return Boolean(this.opts.durableQueues || this.opts.quorumQueues);
  }

  /** How topic queues are declared, by consumers and publishers alike (oslo's amqp_durable_queues / rabbit_quorum_queue). */
  private topicQueueOptions(): Options.AssertQueue {
    if (this.opts.quorumQueues) return { durable: true, arguments: { 'x-queue-type': 'quorum' } };
    return { durable: this.durable, autoDelete: false };
  }

  /** Declare a topic queue and bind it to the exchange under its own name (once per connection). */
  private async declareTopicQueue(ch: Channel, name: string): Promise<void> {
    if (this.declared.has(name)) return;
    await ch.assertQueue(name, this.topicQueueOptions());
    await ch.bindQueue(name, this.opts.exchange, name);
    this.declared.add(name);
  }

  /**
   * Publish to a topic queue and wait for the broker's confirm. The queue
   * is declared first, so the message waits there for its consumer; should
   * the broker still return it as unroutable (the queue was deleted in
   * between), it is declared and published again, up to publishRetries
   * times with the reconnection backoff, and then the send fails. A message
   * the broker nacked (a quorum queue without a leader for a moment) is
   * published again the same way, through a new channel.
   */
  private async sendToTopic(key: string, body: Buffer, options: Options.Publish, waitMs: number): Promise<void> {
    let delay = this.opts.retryIntervalMs;
    const retries = this.opts.publishRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const ch = await this.channelFor(waitMs);
      await this.declareTopicQueue(ch, key).catch(asDeliveryFailure);
      const id = randomUUID();
      try {
        await publishConfirmed(ch, this.opts.exchange, key, body, { ...options, mandatory: true, messageId: id, persistent: this.durable });
      } catch (e) {
        this.returned.delete(id);
        if (!(e instanceof MessageDeliveryFailure) || e.kwargs.nacked !== true || attempt >= retries) throw e;
        await this.renewPublisher(ch);
        await sleep(delay);
        delay = Math.min(delay + this.opts.retryBackoffMs, this.opts.maxIntervalMs);
        continue;
      }
      if (!this.returned.delete(id)) return;
      this.declared.delete(key);
      this.opts.events?.onUnroutable?.(key);
      if (attempt >= retries) throw new MessageDeliveryFailure(`message was unroutable: nobody listens on ${key}`);
      await sleep(delay);
      delay = Math.min(delay + this.opts.retryBackoffMs, this.opts.maxIntervalMs);
    }
  }

  private routingKey(target: Target): string {
    return target.server ? `${target.topic}.${target.server}` : target.topic;
  }

  async cast(target: Target, message: WireMessage): Promise<void> {
    const body = encodeEnvelope(message);
    if (target.fanout) {
      const ch = await this.channelFor(this.opts.sendWaitMs);
      const ex = `${target.topic}_fanout`;
      await ch.assertExchange(ex, 'fanout', { durable: false, autoDelete: true }).catch(asDeliveryFailure);
      await publishConfirmed(ch, ex, '', body, {});
      return;
    }
    await this.sendToTopic(this.routingKey(target), body, {}, this.opts.sendWaitMs);
  }

  async call(target: Target, message: WireMessage, timeoutMs: number): Promise<WireReply> {
    if (target.fanout) throw new MessageDeliveryFailure('a call cannot be fanned out');
    const started = Date.now();
    await this.channelFor(timeoutMs);
    const msgId = typeof message._msg_id === 'string' ? message._msg_id : newMessageId();
    const body = encodeEnvelope({ ...message, _msg_id: msgId, _reply_q: this.replyQueue });
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    const result = new Promise<WireReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        reject(new MessagingTimeout(`Timed out waiting for a reply to message ID ${msgId}`));
      }, remaining);
      this.pending.set(msgId, { resolve, reject, timer });
    });
    // The request expires in its queue when nobody takes it before the caller gives up.
    this.sendToTopic(this.routingKey(target), body, { correlationId: msgId, expiration: String(Math.ceil(remaining)) }, remaining).catch((e: unknown) =>
      this.settle(msgId, null, e instanceof Error ? e : new MessageDeliveryFailure(String(e))),
    );
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

  /** The broker returned a mandatory message it could not route: its confirm follows, and the sender publishes it again. */
  private onReturn(msg: Message): void {
    const id: unknown = msg.properties.messageId;
    if (typeof id === 'string') this.returned.add(id);
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
    const shared = l.topic;
    const direct = `${l.topic}.${l.server}`;
    const fanoutEx = `${l.topic}_fanout`;
    const fanoutQ = `${l.topic}_fanout_${randomUUID().replace(/-/g, '')}`;
    await this.declareTopicQueue(sub, shared);
    await this.declareTopicQueue(sub, direct);
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
              await publishConfirmed(ch, '', replyQ, body, {});
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
