export const COMPUTE_TOPIC = 'compute';
export const COMPUTE_RPC_VERSION = '1.0';
