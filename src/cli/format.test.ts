import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT_MAX, formatVersion, negotiatedVersion, requestedVersion } from './apiversion.ts';
import { ApiError, CommandError, errorFromResponse, formatError } from './errors.ts';
import {
  cell,
  listTable,
  networksColumn,
  parseCount,
  parseHints,
  parseKeyValue,
  parseMeta,
  powerStateName,
  propertiesTable,
  pyFloat,
  pyJson,
  resourceString,
  slug,
} from './format.ts';

describe('power state names', () => {
  it('names 0,1,3,4,6,7 as novaclient', () => {
    assert.deepEqual([0, 1, 3, 4, 6, 7].map(powerStateName), ['NOSTATE', 'Running', 'Paused', 'Shutdown', 'Crashed', 'Suspended']);
  });
  it('prints the unused numbers empty, a missing state N/A, unknown numbers as is', () => {
    assert.equal(powerStateName(2), '');
    assert.equal(powerStateName(5), '');
    assert.equal(powerStateName(undefined), 'N/A');
    assert.equal(powerStateName(null), 'N/A');
    assert.equal(powerStateName(9), '9');
  });
});

describe('key=value arguments', () => {
  it('splits at the first =', () => {
    assert.deepEqual(parseKeyValue('a=b'), ['a', 'b']);
    assert.deepEqual(parseKeyValue('a=b=c'), ['a', 'b=c']);
    assert.deepEqual(parseKeyValue('a='), ['a', '']);
  });
  it('refuses text without =', () => {
    assert.throws(
      () => parseKeyValue('nope'),
      (e: unknown) => e instanceof CommandError && e.message === "'nope' is not in the format of 'key=value'",
    );
  });
  it('builds --meta into an object, later keys winning', () => {
    assert.deepEqual(parseMeta(['a=1', 'b=2', 'a=3']), { a: '3', b: '2' });
    assert.deepEqual(parseMeta([]), {});
  });
  it('builds repeated --hint keys into lists', () => {
    assert.deepEqual(parseHints(['same_host=x', 'group=g', 'same_host=y', 'same_host=z']), { same_host: ['x', 'y', 'z'], group: 'g' });
  });
  it('parses counts', () => {
    assert.equal(parseCount('3', 'min_count'), 3);
    assert.throws(() => parseCount('0', 'min_count'), /min_count should be >= 1/);
    assert.throws(() => parseCount('x', 'limit'), /not an integer/);
    assert.equal(parseCount('-1', 'limit', -1), -1);
  });
});

describe('python-style values', () => {
  it('dumps JSON with python separators', () => {
    assert.equal(pyJson({ a: 1, b: [true, null, 'x'], c: {} }), '{"a": 1, "b": [true, null, "x"], "c": {}}');
  });
  it('shows cells as print_list does', () => {
    assert.deepEqual([null, undefined, true, false, 0, '', 'x'].map(cell), ['-', '-', 'True', 'False', '0', '', 'x']);
    assert.equal(pyFloat(1), '1.0');
    assert.equal(pyFloat(1.5), '1.5');
  });
  it('slugs names as oslo to_slug', () => {
    assert.equal(slug('My Server_1!'), 'my-server_1');
    assert.equal(slug('  a -- b  '), 'a-b');
    assert.equal(resourceString({ id: 'u', name: 'VM 1' }), 'vm-1 (u)');
    assert.equal(resourceString({ id: 'u', name: '' }), 'u');
  });
  it('formats networks as label=a, b; label2=c', () => {
    assert.equal(networksColumn({ private: [{ addr: '10.0.0.2' }, { addr: 'fd00::2' }], public: [{ addr: '1.2.3.4' }], empty: [] }), 'private=10.0.0.2, fd00::2; public=1.2.3.4');
    assert.equal(networksColumn({}), '');
  });
});

describe('tables', () => {
  it('sorts a list by a column and prints prettytable borders', () => {
    const t = listTable(
      ['ID', 'Name'],
      [
        ['2', 'b'],
        ['1', 'a'],
      ],
      1,
    );
    assert.equal(t, ['+----+------+', '| ID | Name |', '+----+------+', '| 1  | a    |', '| 2  | b    |', '+----+------+'].join('\n'));
  });
  it('prints an empty list as a header only', () => {
    assert.equal(listTable(['ID'], []).split('\n').length, 4);
  });
  it('sorts properties and spreads escaped newlines over rows', () => {
    const t = propertiesTable({ b: null, a: { message: 'x', details: 'l1\nl2' } });
    const rows = t.split('\n').filter((l) => l.startsWith('| '));
    assert.match(rows[1] ?? '', /^\| a +\| \{"message": "x", "details": "l1 +\|$/);
    assert.match(rows[2] ?? '', /^\| +\| l2"\} +\|$/);
    assert.match(rows[3] ?? '', /^\| b +\| - +\|$/);
  });
});

describe('microversions', () => {
  it('negotiates the newest common version', () => {
    assert.equal(formatVersion(negotiatedVersion('2.1', '2.93')), '2.93');
    assert.equal(formatVersion(negotiatedVersion('2.1', '2.99')), CLIENT_MAX);
    assert.equal(formatVersion(negotiatedVersion('2.1', '2.60')), '2.60');
    assert.equal(formatVersion(negotiatedVersion(undefined, undefined)), '2.1');
  });
  it('takes a fixed version, latest, or refuses one out of range', () => {
    assert.equal(requestedVersion(undefined), null);
    assert.equal(requestedVersion('2.latest'), null);
    assert.equal(formatVersion(requestedVersion('2.53') ?? { major: 0, minor: 0 }), '2.53');
    assert.throws(() => requestedVersion('2.99'), /valid version range is '2.1' to '2.93'/);
    assert.throws(() => requestedVersion('abc'), /Invalid API version/);
  });
});

describe('errors', () => {
  it('formats a Nova fault as novaclient', () => {
    const e = errorFromResponse(
      409,
      new Headers({ 'x-compute-request-id': 'req-1' }),
      '{"conflictingRequest": {"code": 409, "message": "Cannot \'pause\' instance x while it is in vm_state stopped"}}',
    );
    assert.ok(e instanceof ApiError);
    assert.equal(formatError(e), "ERROR (Conflict): Cannot 'pause' instance x while it is in vm_state stopped (HTTP 409) (Request-ID: req-1)");
  });
  it('keeps unknown statuses and bodies readable', () => {
    assert.equal(formatError(errorFromResponse(502, new Headers(), '<html>bad gateway</html>')), 'ERROR (ClientException): <html>bad gateway</html> (HTTP 502)');
    assert.equal(formatError(new CommandError('x')), 'ERROR (CommandError): x');
    assert.equal(formatError('boom'), 'ERROR (Error): boom');
  });
});
