/** The process's one set of expiry timers: a min-heap of deadlines behind a single timeout. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createExpiryTimers } from '../../../src/hub/auth/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('expiry timers', () => {
  test('streams are closed in deadline order, whatever order they were scheduled in', async () => {
    const timers = createExpiryTimers();
    const closed: number[] = [];
    const now = Date.now();
    for (const offset of [120, 30, 90, 60, 0, -50]) timers.schedule(now + offset, () => closed.push(offset));
    assert.equal(timers.size, 6);
    await sleep(250);
    assert.deepEqual(closed, [-50, 0, 30, 60, 90, 120]);
    assert.equal(timers.size, 0);
  });

  test('a cancelled deadline never closes its stream, and cancelling twice is harmless', async () => {
    const timers = createExpiryTimers();
    const closed: string[] = [];
    const cancel = timers.schedule(Date.now() + 20, () => closed.push('cancelled'));
    timers.schedule(Date.now() + 40, () => closed.push('kept'));
    cancel();
    cancel();
    assert.equal(timers.size, 1);
    await sleep(120);
    assert.deepEqual(closed, ['kept']);
  });

  test('an earlier deadline scheduled after a later one is not held back by it', async () => {
    const timers = createExpiryTimers();
    let closedAt: number | undefined;
    timers.schedule(Date.now() + 60_000, () => assert.fail('the far deadline is not due'));
    const due = Date.now() + 30;
    timers.schedule(due, () => {
      closedAt = Date.now();
    });
    await sleep(150);
    assert.ok(closedAt !== undefined && closedAt >= due, 'closed at, not before, its deadline');
    assert.equal(timers.size, 1);
  });

  test('churn under a long-lived deadline does not grow the heap: 10,000 cancelled entries leave 1 waiting', async () => {
    const timers = createExpiryTimers();
    let closed = 0;
    timers.schedule(Date.now() + 60_000, () => assert.fail('not due'));
    for (let i = 0; i < 10_000; i++) timers.schedule(Date.now() + 30_000 + i, () => closed++)();
    assert.equal(timers.size, 1);
    assert.ok(timers.heldEntries <= 2 + 64, `${timers.heldEntries} entries held for 1 waiting`);
    const last = Date.now() + 20;
    timers.schedule(last, () => closed++);
    await sleep(100);
    assert.equal(closed, 1);
  });
});
