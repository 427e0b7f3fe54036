import { boolOpt, defineGroup, floatOpt, intOpt } from './opt.ts';

/** `[oslo_messaging_rabbit]`: the RabbitMQ transport. */
export const rabbitGroup = defineGroup('oslo_messaging_rabbit', 'The RabbitMQ transport (transport_url = rabbit://...).', {
  rabbit_retry_interval: floatOpt({ default: 1, min: 0.05, help: 'Seconds before the first reconnection attempt.' }),
  rabbit_retry_backoff: floatOpt({ default: 2, min: 0, help: 'Seconds added to the wait after each failed attempt.' }),
  rabbit_interval_max: floatOpt({ default: 30, min: 1, help: 'Longest wait between reconnection attempts.' }),
  heartbeat_timeout_threshold: intOpt({
    default: 60,
    min: 0,
    help: 'AMQP heartbeat timeout in seconds; 0 disables heartbeats.',
  }),
  rabbit_qos_prefetch_count: intOpt({
    default: 64,
    min: 0,
    help: 'Messages a consumer holds unacknowledged at a time; 0 is unlimited.',
  }),
  amqp_durable_queues: boolOpt({
    default: true,
    help: 'Use durable topic queues and a durable topic exchange, with persistent messages, so casts survive a broker restart. oslo.messaging defaults to false; true here, because a cast lost in a restart leaves a server stuck. Changing it on a running broker needs the old queues deleted (RabbitMQ refuses to redeclare a queue with other durability).',
  }),
  rabbit_quorum_queue: boolOpt({
    default: false,
    help: 'Declare the topic queues as quorum queues (replicated over a RabbitMQ cluster; survive the loss of a minority of nodes). Implies durable queues. Reply and fanout queues stay transient.',
  }),
  unroutable_retries: intOpt({
    default: 5,
    min: 0,
    help: 'How often a message the broker returned as unroutable (its queue vanished between declare and publish) is declared and published again, with the reconnection backoff, before the send fails.',
  }),
  connect_attempts: intOpt({
    default: 3,
    min: 1,
    help: 'Attempts at start before the service gives up with an error (afterwards it reconnects forever).',
  }),
});
