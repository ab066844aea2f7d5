/**
 * Resource bounds of a hub under churn and floods: after 10,000 connect/disconnect cycles the hub holds
 * no subscriber, session or heartbeat timer and its heap is back near its baseline; a publish flood far
 * past the history limit keeps the log at the limit.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { createMemoryLog } from '../../src/hub/log/memory.js';
import { activeHeartbeatTimers, openSessionCount } from '../../src/server/index.js';
import { publishOk, startHub, token } from '../fixtures/hub.js';

function openAndDrop(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function settle(condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
}

test('10,000 connect/disconnect cycles leave no subscriber, session or timer behind, and the heap returns', async () => {
  const running = await startHub({ allowAnonymous: true, heartbeatMs: 5000 });
  try {
    const url = `${running.endpoint}?topic=/churn&topic=/churn/{x}`;
    for (let i = 0; i < 200; i++) await openAndDrop(url); // warm up the code paths before the baseline
    await settle(() => running.hub.subscriberCount === 0);
    global.gc?.();
    const baseline = process.memoryUsage().heapUsed;
    const sessionsBefore = openSessionCount();
    for (let round = 0; round < 50; round++) await Promise.all(Array.from({ length: 200 }, () => openAndDrop(url)));
    await settle(() => running.hub.subscriberCount === 0 && openSessionCount() === sessionsBefore);
    assert.equal(running.hub.subscriberCount, 0);
    assert.equal(openSessionCount(), sessionsBefore);
    assert.equal(activeHeartbeatTimers(), 0);
    global.gc?.();
    await new Promise((r) => setTimeout(r, 100));
    global.gc?.();
    const grown = process.memoryUsage().heapUsed - baseline;
    // 10,000 leaked subscribers would hold tens of MB; allow 8 MB of allocator and JIT noise.
    assert.ok(grown < 8 * 1024 * 1024, `heap grew by ${(grown / 1024 / 1024).toFixed(1)} MB`);
  } finally {
    await running.close();
  }
});

test('a publish flood far past the history limit keeps the log at the limit', async () => {
  const log = createMemoryLog({ maxEvents: 500 });
  const running = await startHub({ log });
  try {
    const publisher = await token({ publish: ['*'] });
    await Promise.all(
      Array.from({ length: 20 }, async (_, worker) => {
        for (let i = 0; i < 150; i++)
          await publishOk(running.endpoint, { topic: '/flood', data: `${worker}-${i}-${'x'.repeat(200)}` }, publisher);
      }),
    );
    assert.equal(await log.size(), 500);
  } finally {
    await running.close();
    await log.close();
  }
});
