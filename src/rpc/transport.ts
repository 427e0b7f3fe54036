/**
 * The message bus contract. Two implementations: memory.ts (in-process,
 * `memory://`) and rabbit.ts (RabbitMQ, `rabbit://`). Both pass the same
 * conformance suite (test/conformance/transport.case.ts).
 *
 * Addressing follows oslo.messaging: a server listening on (topic, server)
 * receives messages sent to `topic` (shared with every other server of the
 * topic: competing consumers), to `topic.server` (only it) and fanout
 * messages of `topic` (every server of the topic).
 */

/** Where a message goes. */
export interface Target {
  readonly topic: string;
  /** Deliver to this one server (host) only: queue `topic.server`. */
  readonly server?: string;
  /** Deliver to every server listening on the topic. Cast only. */
  readonly fanout?: boolean;
}

/** A decoded request, as the `oslo.message` dictionary (method, args, version, _context_*…). */
export type WireMessage = Record<string, unknown>;

/** A reply: a result or a serialized failure. */
export interface WireReply {
  result?: unknown;
  /** The oslo failure JSON string (class, module, message, kwargs) or null. */
  failure?: string | null;
}

/** Sends the reply of a call; null for casts. */
export type ReplyFn = ((reply: WireReply) => Promise<void>) | null;

export type IncomingHandler = (message: WireMessage, reply: ReplyFn) => void;

export interface Listener {
  /** Stop receiving new messages. Messages already handed over keep running. */
  stop(): Promise<void>;
}

/** Connection state changes, for logs. */
export interface TransportEvents {
  onDisconnect?(reason: string): void;
  onReconnect?(attempt: number): void;
}

export interface Transport {
  /** The URL with its password masked. */
  readonly description: string;
  /** Make sure the bus is reachable; rejects with a clear message if not (used at service start). */
  connect(): Promise<void>;
  /** Send without an answer; resolves when the bus has accepted the message. */
  cast(target: Target, message: WireMessage): Promise<void>;
  /** Send and wait for one reply; rejects with MessagingTimeout after timeoutMs. */
  call(target: Target, message: WireMessage, timeoutMs: number): Promise<WireReply>;
  /** Receive messages for topic, topic.server and the topic's fanout. */
  listen(topic: string, server: string, handler: IncomingHandler): Promise<Listener>;
  /** Close connections; pending calls fail. */
  close(): Promise<void>;
}
