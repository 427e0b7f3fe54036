import { decodeEnvelope, encodeEnvelope, newMessageId } from './envelope.ts';
import { MessageDeliveryFailure, MessagingTimeout } from './errors.ts';
import type { IncomingHandler, Listener, Target, Transport, WireMessage, WireReply } from './transport.ts';

interface Queue {
  consumers: IncomingHandler[];
  next: number;
  /** Messages that arrived while nobody consumed, as a broker queue keeps them. */
  backlog: { body: Buffer; reply: ((r: WireReply) => void) | null }[];
}

/**
 * One in-process bus, shared by every memory transport of the same URL in
 * this process (the all-in-one runs all services on one).
 */
class MemoryBroker {
  readonly queues = new Map<string, Queue>();
  readonly fanout = new Map<string, Set<IncomingHandler>>();

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = { consumers: [], next: 0, backlog: [] };
      this.queues.set(name, q);
    }
    return q;
  }

  deliver(handler: IncomingHandler, body: Buffer, reply: ((r: WireReply) => void) | null): void {
    setImmediate(() => {
      const message = decodeEnvelope(body);
      handler(message, reply ? async (r) => reply(JSON.parse(JSON.stringify(r)) as WireReply) : null);
    });
  }

  publish(queueName: string, body: Buffer, reply: ((r: WireReply) => void) | null): void {
    const q = this.queue(queueName);
    if (q.consumers.length === 0) {
      q.backlog.push({ body, reply });
      return;
    }
    const handler = q.consumers[q.next++ % q.consumers.length] as IncomingHandler;
    this.deliver(handler, body, reply);
  }

  consume(queueName: string, handler: IncomingHandler): void {
    const q = this.queue(queueName);
    q.consumers.push(handler);
    const pending = q.backlog.splice(0);
    for (const m of pending) this.publish(queueName, m.body, m.reply);
  }

  cancel(queueName: string, handler: IncomingHandler): void {
    const q = this.queue(queueName);
    q.consumers = q.consumers.filter((h) => h !== handler);
  }
}

const brokers = new Map<string, MemoryBroker>();

/** Forget every in-process bus (tests). */
export function resetMemoryBrokers(): void {
  brokers.clear();
}

/** The in-process transport (`memory://`, `memory:///name` for a separate bus). */
export class MemoryTransport implements Transport {
  readonly description: string;
  private readonly broker: MemoryBroker;
  private closed = false;
  private readonly pending = new Map<string, { reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<Listener>();

  constructor(url = 'memory://') {
    this.description = url;
    const name = url.replace(/^memory:\/*/, '');
    let b = brokers.get(name);
    if (!b) {
      b = new MemoryBroker();
      brokers.set(name, b);
    }
    this.broker = b;
  }

  async connect(): Promise<void> {}

  private check(): void {
    if (this.closed) throw new MessageDeliveryFailure('transport is closed');
  }

  async cast(target: Target, message: WireMessage): Promise<void> {
    this.check();
    const body = encodeEnvelope(message);
    if (target.fanout) {
      for (const h of this.broker.fanout.get(target.topic) ?? []) this.broker.deliver(h, body, null);
      return;
    }
    this.broker.publish(target.server ? `${target.topic}.${target.server}` : target.topic, body, null);
  }

  call(target: Target, message: WireMessage, timeoutMs: number): Promise<WireReply> {
    this.check();
    if (target.fanout) return Promise.reject(new MessageDeliveryFailure('a call cannot be fanned out'));
    const msgId = (message._msg_id as string | undefined) ?? newMessageId();
    const body = encodeEnvelope({ ...message, _msg_id: msgId });
    return new Promise<WireReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        reject(new MessagingTimeout(`Timed out waiting for a reply to message ID ${msgId}`));
      }, timeoutMs);
      this.pending.set(msgId, { reject, timer });
      const reply = (r: WireReply) => {
        const p = this.pending.get(msgId);
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(msgId);
        resolve(r);
      };
      this.broker.publish(target.server ? `${target.topic}.${target.server}` : target.topic, body, reply);
    });
  }

  async listen(topic: string, server: string, handler: IncomingHandler): Promise<Listener> {
    this.check();
    const queues = [topic, `${topic}.${server}`];
    for (const q of queues) this.broker.consume(q, handler);
    let fan = this.broker.fanout.get(topic);
    if (!fan) {
      fan = new Set();
      this.broker.fanout.set(topic, fan);
    }
    fan.add(handler);
    const listener: Listener = {
      stop: async () => {
        for (const q of queues) this.broker.cancel(q, handler);
        this.broker.fanout.get(topic)?.delete(handler);
        this.listeners.delete(listener);
      },
    };
    this.listeners.add(listener);
    return listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const l of [...this.listeners]) await l.stop();
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new MessageDeliveryFailure('transport closed while waiting for a reply'));
      this.pending.delete(id);
    }
  }
}
