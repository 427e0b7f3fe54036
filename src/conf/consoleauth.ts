import { defineGroup, intOpt } from './opt.ts';

/** `[consoleauth]`: console tokens issued by nova-consoleauth. */
export const consoleauthGroup = defineGroup('consoleauth', 'Console authorization tokens (nova-consoleauth).', {
  token_ttl: intOpt({
    default: 600,
    min: 0,
    help: 'Seconds a console token stays valid after it was issued. An expired token is refused by every console proxy.',
  }),
});
