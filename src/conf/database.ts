import { defineGroup, intOpt, strOpt } from './opt.ts';

/** `[database]`: where nova-api, nova-conductor and nova-scheduler keep state. nova-compute has none. */
export const databaseGroup = defineGroup('database', 'The database (nova-api, nova-conductor, nova-scheduler, nova-manage).', {
  connection: strOpt({
    default: 'sqlite:///$state_path/nova.sqlite',
    secret: true,
    help:
      'SQLAlchemy-style URL. sqlite:////abs/path.db (embedded default) or mysql+pymysql://user:pass@host:port/nova (mysql://, mariadb:// also accepted). ' +
      'Several servers comma separated (a Galera cluster without a load balancer): mysql+pymysql://user:pass@h1:3306,h2:3306,h3/nova. ' +
      'One server is used at a time, the first in this order that answers (one writer, as HAProxy setups do, so writes do not conflict in certification); ' +
      'when it fails the query in flight fails (503) and the next queries go to the next server that answers; a server earlier in the list is tried again every retry_interval and used again once it is back.',
  }),
  max_pool_size: intOpt({ default: 10, min: 1, help: 'Connections kept in the MySQL pool.' }),
  max_retries: intOpt({
    default: 10,
    min: -1,
    help: 'Connection attempts at start before giving up; -1 retries forever.',
  }),
  retry_interval: intOpt({ default: 2, min: 0, help: 'Seconds between connection attempts.' }),
  connect_timeout: intOpt({ default: 10, min: 1, help: 'Seconds to wait for one connection attempt.' }),
});
