import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isHotlineError } from '../../../src/errors.js';
import type { EventLog } from '../../../src/hub/log/event-log.js';
import { createNatsLog } from '../../../src/hub/log/nats.js';
import {
  assertExactlyOnce,
  hasNatsServer,
  hubThroughOutage,
  NATS_SERVER,
  restartScenario,
  SpawnedEngine,
  skipUnless,
} from '../../fixtures/services.js';

const skip = skipUnless(hasNatsServer(), `nats-server (${NATS_SERVER})`);

describe('NATS log under engine restarts', { skip }, () => {
  let engine: SpawnedEngine;
  const logs: EventLog[] = [];
  before(async () => {
    engine = await SpawnedEngine.nats();
    await engine.start();
  });
  after(async () => {
    // The engine goes first so a failed test can never leave its process behind.
    await engine.destroy();
    await Promise.allSettled(logs.map((log) => log.close()));
  });

  test('kill -9 and restart mid-stream: appends fail with HOTLINE_LOG_UNAVAILABLE, every acked update is followed once, in order, on two nodes', async (t) => {
    const log = await createNatsLog(engine.url, { stream: 'faults' });
    // A second hub node on the same storage, following through the same outage.
    const node = await createNatsLog(engine.url, { stream: 'faults' });
    logs.push(log, node);
    const outcome = await restartScenario(engine, log, { nodes: [node] });
    assertExactlyOnce(outcome);
    // The file store kept everything acknowledged before the kill, not just what followers saw.
    const stored = new Map((await log.readAfter(0, 100_000)).map((update) => [update.position, update]));
    for (const update of outcome.acked) assert.deepEqual(stored.get(update.position), update);
    t.diagnostic(`slowest rejected append during the outage: ${outcome.slowestRejectionMs} ms`);
  });

  test('a frozen engine (SIGSTOP): appends reject with HOTLINE_LOG_UNAVAILABLE instead of hanging, nothing acked is lost', async (t) => {
    const log = await createNatsLog(engine.url, { stream: 'stalled' });
    logs.push(log);
    const outcome = await restartScenario(engine, log, { outage: 'stall' });
    assertExactlyOnce(outcome);
    t.diagnostic(`slowest rejected append while frozen: ${outcome.slowestRejectionMs} ms (the request timeout)`);
  });

  test('a hub on this log answers 503 while the engine is down, /readyz follows, its subscriber misses nothing', async () => {
    const log = await createNatsLog(engine.url, { stream: 'hub' });
    logs.push(log);
    await hubThroughOutage(engine, log);
  });

  test('opening against a stopped server rejects with HOTLINE_LOG_UNAVAILABLE', async () => {
    await engine.stop();
    try {
      await assert.rejects(
        createNatsLog(engine.url),
        (error) => isHotlineError(error) && error.code === 'HOTLINE_LOG_UNAVAILABLE',
      );
    } finally {
      await engine.start();
    }
  });
});
