import { defineGroup, floatOpt, intOpt } from './opt.ts';

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
  connect_attempts: intOpt({
    default: 3,
    min: 1,
    help: 'Attempts at start before the service gives up with an error (afterwards it reconnects forever).',
  }),
});
