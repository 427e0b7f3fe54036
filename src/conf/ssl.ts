import { boolOpt, defineGroup, optionalStrOpt } from './opt.ts';

/** TLS of the console proxies: Nova's `[DEFAULT] ssl_only`, `cert`, `key` (declared in the DEFAULT group file). */
export const sslOptions = {
  ssl_only: boolOpt({ default: false, help: 'Console proxies accept only TLS connections (https/wss); needs cert and key.' }),
  cert: optionalStrOpt({ help: 'PEM certificate the console proxies serve TLS with (e.g. issued with nova-manage cert issue-server).' }),
  key: optionalStrOpt({ help: 'PEM private key of cert (when it is not in the cert file).' }),
};

/** `[wsgi]`: TLS of the HTTP APIs (nova-api, nova-identity, nova-image), as Nova's wsgi options. */
export const wsgiGroup = defineGroup('wsgi', 'TLS for the HTTP APIs (nova-api, nova-identity, nova-image).', {
  ssl_cert_file: optionalStrOpt({ help: 'PEM certificate the HTTP APIs serve TLS with; unset: plain HTTP.' }),
  ssl_key_file: optionalStrOpt({ help: 'PEM private key of ssl_cert_file.' }),
});
