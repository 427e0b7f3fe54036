import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceNotFound } from '../exception/instance.ts';
import { MessageDeliveryFailure } from './errors.ts';
import { asDeliveryFailure } from './rabbit-support.ts';

describe('asDeliveryFailure', () => {
  it("amqplib's plain Error of a channel that ended is a MessageDeliveryFailure (a 503, retried), a NovaError stays itself", () => {
    assert.throws(
      () => asDeliveryFailure(new Error('Channel ended, no reply will be forthcoming')),
      (e: unknown) => e instanceof MessageDeliveryFailure && /connection was lost: Channel ended/.test(e.message),
    );
    const nf = InstanceNotFound.of('x');
    assert.throws(
      () => asDeliveryFailure(nf),
      (e: unknown) => e === nf,
    );
  });
});
