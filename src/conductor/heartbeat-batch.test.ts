import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceNotFound } from '../exception/resources.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { HeartbeatBatch } from './heartbeat-batch.ts';

const service = (id: number, report_count: number): ServiceDTO => ({
  id,
  uuid: `u-${id}`,
  host: `h${id}`,
  binary: 'nova-compute',
  topic: 'compute',
  report_count,
  disabled: false,
  disabled_reason: null,
  last_seen_up: '2026-12-03 00:00:00',
  forced_down: false,
  version: 1,
  created_at: '2026-12-03 00:00:00',
  updated_at: null,
});

/** A services table in memory; records the batches it was asked to write. */
function table(ids: number[]) {
  const counts = new Map(ids.map((id) => [id, 0]));
  const batches: number[][] = [];
  const write = async (batch: readonly number[]) => {
    batches.push([...batch]);
    const out = new Map<number, ServiceDTO>();
    for (const id of batch) {
      const n = counts.get(id);
      if (n === undefined) continue;
      counts.set(id, n + 1);
      out.set(id, service(id, n + 1));
    }
    return out;
  };
  return { write, batches };
}

describe('HeartbeatBatch', () => {
  it('writes the heartbeats of one window together and answers each its own service', async () => {
    const t = table([1, 2, 3]);
    const b = new HeartbeatBatch(t.write, 20);
    const got = await Promise.all([b.beat(1), b.beat(2), b.beat(3)]);
    assert.deepEqual(t.batches, [[1, 2, 3]]);
    assert.deepEqual(
      got.map((s) => [s.id, s.report_count]),
      [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
    );
    await b.beat(2);
    assert.deepEqual(t.batches, [[1, 2, 3], [2]], 'a later heartbeat starts a new window');
  });

  it('a deleted service gets ServiceNotFound; the others of its window still their service', async () => {
    const t = table([1]);
    const b = new HeartbeatBatch(t.write, 10);
    const [ok, gone] = await Promise.allSettled([b.beat(1), b.beat(9)]);
    assert.equal(ok.status, 'fulfilled');
    assert.equal(gone.status, 'rejected');
    assert.ok(gone.status === 'rejected' && gone.reason instanceof ServiceNotFound);
  });

  it('two heartbeats of one service in a window count once and both are answered', async () => {
    const t = table([1]);
    const b = new HeartbeatBatch(t.write, 10);
    const [x, y] = await Promise.all([b.beat(1), b.beat(1)]);
    assert.deepEqual(t.batches, [[1]]);
    assert.equal(x.report_count, 1);
    assert.equal(y.report_count, 1);
  });

  it('a failed write fails every heartbeat of its window, and the next window writes again', async () => {
    let fail = true;
    const t = table([1, 2]);
    const b = new HeartbeatBatch(async (ids) => {
      if (fail) throw new Error('database gone');
      return t.write(ids);
    }, 5);
    const r = await Promise.allSettled([b.beat(1), b.beat(2)]);
    assert.deepEqual(
      r.map((x) => x.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.equal((await b.beat(1)).report_count, 1);
  });

  it('a window of 0 writes each heartbeat alone', async () => {
    const t = table([1, 2]);
    const b = new HeartbeatBatch(t.write, 0);
    await Promise.all([b.beat(1), b.beat(2)]);
    assert.deepEqual(t.batches, [[1], [2]]);
  });
});
