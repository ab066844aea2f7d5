/**
 * The restart, freeze and outage cases every networked EventLog engine (Redis, NATS) passes. A backend's
 * `*-faults.test.ts` calls {@link engineFaults} with how to spawn its engine and open a log on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isHotlineError } from '../../../src/errors.js';
import type { EventLog } from '../../../src/hub/log/event-log.js';
import { assertExactlyOnce, hubThroughOutage, restartScenario, type SpawnedEngine } from '../../fixtures/services.js';

export interface EngineFaultsOptions {
  /** Engine name in test titles. */
  name: string;
  /** Reason to skip the suite (the engine's binary is missing), or false. */
  skip: string | false;
  /** A private engine process, not started yet (the tests kill and freeze it). */
  spawn: () => Promise<SpawnedEngine>;
  /** Opens a log on the engine; `namespace` keeps each test's data apart. */
  open: (url: string, namespace?: string) => Promise<EventLog>;
  /** What keeps acknowledged appends across a kill -9, for the test's comment. */
  storage: string;
}

export function engineFaults({ name, skip, spawn, open, storage }: EngineFaultsOptions): void {
  describe(`${name} log under engine restarts`, { skip }, () => {
    let engine: SpawnedEngine;
    const logs: EventLog[] = [];
    before(async () => {
      engine = await spawn();
      await engine.start();
    });
    after(async () => {
      // The engine goes first so a failed test can never leave its process behind.
      await engine.destroy();
      await Promise.allSettled(logs.map((log) => log.close()));
    });

    test(`kill -9 and restart mid-stream: appends fail with HOTLINE_LOG_UNAVAILABLE, every acked update is followed once, in order, on two nodes (${storage})`, async (t) => {
      const log = await open(engine.url, 'faults');
      // A second hub node on the same storage, following through the same outage.
      const node = await open(engine.url, 'faults');
      logs.push(log, node);
      const outcome = await restartScenario(engine, log, { nodes: [node] });
      assertExactlyOnce(outcome);
      // The engine kept everything acknowledged before the kill, not just what followers saw.
      const stored = new Map((await log.readAfter(0, 100_000)).map((update) => [update.position, update]));
      for (const update of outcome.acked) assert.deepEqual(stored.get(update.position), update);
      t.diagnostic(`slowest rejected append during the outage: ${outcome.slowestRejectionMs} ms`);
    });

    test('a frozen engine (SIGSTOP): appends reject with HOTLINE_LOG_UNAVAILABLE instead of hanging, nothing acked is lost', async (t) => {
      const log = await open(engine.url, 'stalled');
      logs.push(log);
      const outcome = await restartScenario(engine, log, { outage: 'stall' });
      assertExactlyOnce(outcome);
      t.diagnostic(`slowest rejected append while frozen: ${outcome.slowestRejectionMs} ms (the request timeout)`);
    });

    test('a hub on this log answers 503 while the engine is down, /readyz follows, its subscriber misses nothing', async () => {
      const log = await open(engine.url, 'hub');
      logs.push(log);
      await hubThroughOutage(engine, log);
    });

    test('opening against a stopped server rejects with HOTLINE_LOG_UNAVAILABLE', async () => {
      await engine.stop();
      try {
        await assert.rejects(
          open(engine.url),
          (error) => isHotlineError(error) && error.code === 'HOTLINE_LOG_UNAVAILABLE',
        );
      } finally {
        await engine.start();
      }
    });
  });
}
