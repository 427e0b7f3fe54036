import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceState } from '../../db/api/instances.ts';
import { built, gone, idle, SETTLE_MAX_INSTANCES, type SettleDeps, settle } from './settle.ts';

type State = InstanceState;

/** Fake instances table: states by uuid (absent = deleted), every statesOf recorded. */
function table(settleMs: number, states: Map<string, State>, fail = false) {
  const queries: string[][] = [];
  const deps: SettleDeps = {
    conf: { api: { settle_ms: settleMs } },
    db: {
      instances: {
        statesOf: async (uuids) => {
          queries.push([...uuids]);
          if (fail) throw new Error('database away');
          return uuids.flatMap((u) => {
            const s = states.get(u);
            return s ? [{ ...s }] : [];
          });
        },
      },
    },
    log: { debug: () => {} },
  };
  return { deps, queries };
}

const building = (uuid: string): State => ({ uuid, vm_state: 'building', task_state: 'spawning' });

describe('settle', () => {
  it('does not read the database with settle_ms 0, no instance, or more than the cap', async () => {
    const { deps, queries } = table(0, new Map());
    await settle(deps, ['a'], built);
    const on = table(1000, new Map());
    await settle(on.deps, [], built);
    await settle(
      on.deps,
      Array.from({ length: SETTLE_MAX_INSTANCES + 1 }, (_, i) => `u${i}`),
      built,
    );
    assert.equal(queries.length + on.queries.length, 0);
  });

  it('answers once the predicate holds, and at the end of the window when it never does', async () => {
    const states = new Map([['a', building('a')]]);
    const { deps, queries } = table(60_000, states);
    setTimeout(() => states.set('a', { uuid: 'a', vm_state: 'active', task_state: null }), 30);
    const t0 = Date.now();
    await settle(deps, ['a'], built);
    assert.ok(Date.now() - t0 < 60_000, 'answered before the window ended');
    assert.ok(queries.length >= 2);

    const stuck = table(100, new Map([['b', building('b')]]));
    const t1 = Date.now();
    await settle(stuck.deps, ['b'], built);
    assert.ok(Date.now() - t1 >= 100, 'waited the whole window');
    // Backing off from 2 ms to 25 ms: a handful of looks in 100 ms, not one per millisecond.
    assert.ok(stuck.queries.length >= 1 && stuck.queries.length <= 15, `${stuck.queries.length} looks`);
  });

  it('reads the instances of concurrent waiters together', async () => {
    const states = new Map([...'abcdefgh'].map((u) => [u, building(u)]));
    const { deps, queries } = table(60_000, states);
    setTimeout(() => {
      for (const u of states.keys()) states.set(u, { uuid: u, vm_state: 'active', task_state: null });
    }, 40);
    await Promise.all([...states.keys()].map((u) => settle(deps, [u], built)));
    assert.ok(
      queries.some((q) => q.length > 1),
      'a query serves several waiters',
    );
    assert.ok(queries.length < 8 * 6, `${queries.length} queries for 8 waiters`);
  });

  it('ticks at least 10 ms apart however many waiters come and go', async () => {
    const states = new Map<string, State>();
    const { deps, queries } = table(200, states);
    // 40 waiters arriving 1 ms apart, never settling: each on its own clock, but looked at together.
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      states.set(`w${i}`, building(`w${i}`));
      waits.push(settle(deps, [`w${i}`], built));
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(waits);
    // ~250 ms in all: at most one tick per 10 ms (without the gap, well over a hundred).
    assert.ok(queries.length <= 30, `${queries.length} ticks`);
  });

  it('never throws: a database error answers at once', async () => {
    const { deps, queries } = table(60_000, new Map([['a', building('a')]]), true);
    const t0 = Date.now();
    await settle(deps, ['a'], built);
    assert.ok(Date.now() - t0 < 60_000);
    assert.equal(queries.length, 1);
  });

  it('predicates: built, gone (deleted or soft-deleted), idle (no task, or error)', () => {
    const i = (vm_state: string, task_state: string | null): State => ({ uuid: 'x', vm_state, task_state });
    assert.equal(built([i('building', 'spawning')]), false);
    assert.equal(built([i('active', null), i('error', null)]), true);
    assert.equal(gone([]), true);
    assert.equal(gone([i('active', 'deleting')]), false);
    assert.equal(gone([i('soft-delete', 'soft-deleting')]), false);
    assert.equal(gone([i('soft-delete', null)]), true);
    assert.equal(idle([i('active', 'powering-off')]), false);
    assert.equal(idle([i('stopped', null)]), true);
    assert.equal(idle([i('error', 'rebooting')]), true);
    assert.equal(idle([]), true);
  });
});
