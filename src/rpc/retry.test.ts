import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deserializeFailure } from './envelope.ts';
import { MessagingTimeout, RemoteError } from './errors.ts';
import { isTransient, retryTransient } from './retry.ts';

describe('isTransient', () => {
  it('a database outage reported by a remote service is transient also where the database errors are not loaded (nova-compute)', () => {
    assert.equal(isTransient(new RemoteError('DBConnectionError', 'The database is unavailable: ECONNREFUSED')), true);
    assert.equal(isTransient(new RemoteError('DBDeadlock', 'Deadlock found')), true);
    assert.equal(isTransient(new RemoteError('InstanceNotFound', 'Instance x could not be found.')), false);
    assert.equal(isTransient(deserializeFailure(JSON.stringify({ class: 'NoSuchClassHere', message: 'x' }))), false);
    assert.equal(isTransient(new MessagingTimeout('no reply')), true);
    assert.equal(isTransient(new Error('boom')), false);
  });

  it('retryTransient waits out a remote DBConnectionError', async () => {
    let calls = 0;
    const r = await retryTransient('x', { deadlineMs: 2000, firstDelayMs: 5, service: 'nova-conductor' }, async () => {
      if (++calls < 3) throw new RemoteError('DBConnectionError', 'The database is unavailable: ECONNRESET');
      return 'ok';
    });
    assert.equal(r, 'ok');
    assert.equal(calls, 3);
  });
});
