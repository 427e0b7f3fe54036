import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskDbUrl, parseDbUrl } from './url.ts';

describe('[database] connection URLs', () => {
  it('parses sqlite paths as SQLAlchemy does', () => {
    assert.deepEqual(parseDbUrl('sqlite:////var/lib/nova/nova.sqlite'), { dialect: 'sqlite', path: '/var/lib/nova/nova.sqlite' });
    assert.deepEqual(parseDbUrl('sqlite://'), { dialect: 'sqlite', path: ':memory:' });
  });
  it('accepts mysql+pymysql, mysql and mariadb', () => {
    for (const scheme of ['mysql+pymysql', 'mysql', 'mariadb', 'mysql+mysqldb']) {
      const u = parseDbUrl(`${scheme}://nova:p%40ss@db.example:3307/nova?charset=utf8`);
      assert.deepEqual(u, { dialect: 'mysql', user: 'nova', password: 'p@ss', host: 'db.example', port: 3307, hosts: [{ host: 'db.example', port: 3307 }], database: 'nova' });
    }
    assert.deepEqual(parseDbUrl('mysql+pymysql://root:@127.0.0.1/nova'), {
      dialect: 'mysql',
      user: 'root',
      password: '',
      host: '127.0.0.1',
      port: 3306,
      hosts: [{ host: '127.0.0.1', port: 3306 }],
      database: 'nova',
    });
    assert.deepEqual(parseDbUrl('mysql://root@/nova'), {
      dialect: 'mysql',
      user: 'root',
      password: '',
      host: 'localhost',
      port: 3306,
      hosts: [{ host: 'localhost', port: 3306 }],
      database: 'nova',
    });
  });
  it('takes several servers, comma separated, in order (a Galera cluster)', () => {
    const u = parseDbUrl('mysql+pymysql://nova:s3cret@10.0.0.11:3306,10.0.0.12:3307,db3/nova?charset=utf8');
    assert.deepEqual(u, {
      dialect: 'mysql',
      user: 'nova',
      password: 's3cret',
      host: '10.0.0.11',
      port: 3306,
      hosts: [
        { host: '10.0.0.11', port: 3306 },
        { host: '10.0.0.12', port: 3307 },
        { host: 'db3', port: 3306 },
      ],
      database: 'nova',
    });
    const v6 = parseDbUrl('mariadb://root:@[fd00::1]:3306, [fd00::2]/nova');
    assert.ok(v6.dialect === 'mysql');
    assert.deepEqual(v6.hosts, [
      { host: 'fd00::1', port: 3306 },
      { host: 'fd00::2', port: 3306 },
    ]);
    assert.equal(maskDbUrl('mysql+pymysql://nova:secret@h1,h2:3306/nova'), 'mysql+pymysql://nova:****@h1,h2:3306/nova');
  });
  it('rejects empty or malformed servers in a list', () => {
    assert.throws(() => parseDbUrl('mysql://root@h1,,h3/nova'), /empty host/);
    assert.throws(() => parseDbUrl('mysql://root@h1,/nova'), /empty host/);
    assert.throws(() => parseDbUrl('mysql://root@h1:99999,h2/nova'), /bad port in 'h1:99999'/);
    assert.throws(() => parseDbUrl('mysql://root@h1:x/nova'), /bad host 'h1:x'/);
    assert.throws(() => parseDbUrl('mysql://root@h1,h2/nova?unix_socket=/run/mysqld.sock'), /unix_socket names one server/);
  });
  it('rejects other backends and URLs without a database', () => {
    assert.throws(() => parseDbUrl('postgresql://x/nova'), /unsupported database 'postgresql:\/\/'/);
    assert.throws(() => parseDbUrl('mysql://root@localhost'), /names no database/);
    assert.throws(() => parseDbUrl('mysql://root@h1,h2'), /names no database/);
    assert.throws(() => parseDbUrl('nova.db'), /is not a database URL/);
  });
  it('masks passwords', () => {
    assert.equal(maskDbUrl('mysql+pymysql://nova:secret@db/nova'), 'mysql+pymysql://nova:****@db/nova');
  });
});
