import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRecord } from './log-line.ts';

describe('terminal log lines', () => {
  const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();

  it('an API request is one short line', () => {
    const line = formatRecord(
      {
        level: 30,
        time,
        name: 'nova-all',
        svc: 'nova-api',
        msg: 'request',
        request_id: 'req-1',
        method: 'GET',
        url: '/v2.1/servers',
        status: 200,
        time_ms: 4.1,
        microversion: '2.1',
      },
      false,
    );
    assert.equal(line, '03:04:05.006 INFO  nova-api: GET /v2.1/servers 200 4.1 ms (2.1)');
    assert.ok(!line.includes('\n'));
  });

  it('other records keep their fields on the same line; an error record gets its stack below', () => {
    assert.equal(
      formatRecord({ level: 40, time, svc: 'nova-api', msg: 'request failed', status: 501, message: 'not supported' }, false),
      '03:04:05.006 WARN  nova-api: request failed status=501 message="not supported"',
    );
    const err = formatRecord({ level: 50, time, name: 'nova-compute', msg: 'boom', err: { message: 'bad', stack: 'Error: bad\n    at x' } }, false);
    assert.equal(err.split('\n')[0], '03:04:05.006 ERROR nova-compute: boom err=bad');
    assert.match(err, /\n {4}Error: bad\n/);
  });
});
