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
      assert.deepEqual(u, { dialect: 'mysql', user: 'nova', password: 'p@ss', host: 'db.example', port: 3307, database: 'nova' });
    }
    assert.deepEqual(parseDbUrl('mysql+pymysql://root:@127.0.0.1/nova'), { dialect: 'mysql', user: 'root', password: '', host: '127.0.0.1', port: 3306, database: 'nova' });
  });
  it('rejects other backends and URLs without a database', () => {
    assert.throws(() => parseDbUrl('postgresql://x/nova'), /unsupported database 'postgresql:\/\/'/);
    assert.throws(() => parseDbUrl('mysql://root@localhost'), /names no database/);
    assert.throws(() => parseDbUrl('nova.db'), /is not a database URL/);
  });
  it('masks passwords', () => {
    assert.equal(maskDbUrl('mysql+pymysql://nova:secret@db/nova'), 'mysql+pymysql://nova:****@db/nova');
  });
});
