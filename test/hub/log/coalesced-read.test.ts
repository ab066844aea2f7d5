import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalescedRead } from '../../../src/hub/log/coalesced-read.js';

/** A read whose answers the test releases by hand, counting how many were started. */
function manualRead() {
  const pending: { resolve: (value: number) => void; reject: (error: Error) => void; startedAt: number }[] = [];
  let clock = 0;
  return {
    pending,
    tick: () => ++clock,
    read: () =>
      new Promise<number>((resolve, reject) => {
        pending.push({ resolve, reject, startedAt: clock });
      }),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('callers that arrive while a read is in flight share the next read, which starts after they asked', async () => {
  const engine = manualRead();
  const read = coalescedRead(engine.read);
  const first = read();
  engine.tick();
  const later = Array.from({ length: 100 }, () => read());
  assert.equal(engine.pending.length, 1, 'the latecomers did not start reads of their own');
  engine.pending[0]!.resolve(1);
  assert.equal(await first, 1);
  await turn();
  assert.equal(engine.pending.length, 2, 'one read for all 100 latecomers');
  assert.equal(engine.pending[1]!.startedAt, 1, 'their read started after they asked');
  engine.pending[1]!.resolve(2);
  assert.deepEqual(new Set(await Promise.all(later)), new Set([2]), 'none got the value read before it asked');
});

test('a failed read fails its own callers only; the next callers get a fresh read', async () => {
  const engine = manualRead();
  const read = coalescedRead(engine.read);
  const first = read();
  const second = read();
  engine.pending[0]!.reject(new Error('timeout'));
  await assert.rejects(first, /timeout/);
  await turn();
  assert.equal(engine.pending.length, 2, 'the waiting callers still get their read');
  engine.pending[1]!.resolve(7);
  assert.equal(await second, 7);
  const third = read();
  assert.equal(engine.pending.length, 3, 'idle again: a call starts a read at once');
  engine.pending[2]!.resolve(8);
  assert.equal(await third, 8);
});
