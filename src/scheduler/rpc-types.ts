export const SCHEDULER_TOPIC = 'scheduler';
export const SCHEDULER_RPC_VERSION = '1.0';
