/**
 * A resume whose history cannot be read: the stream is closed so the client resumes by id (never a silent
 * gap), and the operator sees why — in the hub's log and in `/metrics` — instead of clients that keep
 * reconnecting for no visible reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { EventLog } from '../../../src/hub/log/event-log.js';
import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { startHub } from '../../fixtures/hub.js';
import { openStream } from '../../fixtures/sse-reader.js';

/** A real memory log whose history reads fail, as a lost disk or a dropped database connection would. */
function logWithUnreadableHistory(): EventLog {
  const log = createMemoryLog();
  return new Proxy(log, {
    get(target, property) {
      if (property === 'readAfter') return async () => Promise.reject(new Error('history unreadable: disk gone'));
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('a resume that cannot read history closes the stream, logs the failure and counts it', async () => {
  const lines: string[] = [];
  const running = await startHub({
    allowAnonymous: true,
    log: logWithUnreadableHistory(),
    logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
  });
  try {
    await running.hub.publish({ topics: ['urn:t'], data: 'missed' });
    const stream = await openStream(`${running.endpoint}?topic=urn:t`, { 'Last-Event-ID': 'earliest' });
    assert.equal(stream.status, 200);
    await stream.ended;
    assert.deepEqual(stream.events, [], 'nothing is written past a hole in history');

    const failure = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'resume failed');
    assert.ok(failure, `no "resume failed" entry in ${JSON.stringify(lines)}`);
    assert.equal(failure.level, 50);
    assert.match(failure.err.message, /disk gone/);
    const metrics = await (await fetch(`${running.origin}/metrics`)).text();
    assert.match(metrics, /^hotline_resume_failures_total 1$/m);
    assert.equal(running.hub.subscriberCount, 0, 'the closed subscriber is detached');
  } finally {
    await running.close();
  }
});

/**
 * A real memory log whose reads of positions fail once `failing.on` is set (after the hub has started), as
 * an engine timing out under a connect storm would.
 */
function logWithUnreachablePositions(failing: { on: boolean }): EventLog {
  const log = createMemoryLog();
  return new Proxy(log, {
    get(target, property) {
      if (failing.on && (property === 'findPosition' || property === 'last' || property === 'head'))
        return async () => Promise.reject(new Error('Command timed out'));
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('a subscribe whose history position cannot be read gets 503 + Retry-After (not 500), and the cause is logged', async () => {
  const failing = { on: false };
  const lines: string[] = [];
  const running = await startHub({
    allowAnonymous: true,
    log: logWithUnreachablePositions(failing),
    logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
  });
  failing.on = true;
  try {
    for (const headers of [{}, { 'Last-Event-ID': 'some-id' }] as Record<string, string>[]) {
      const response = await fetch(`${running.endpoint}?topic=urn:t`, {
        headers: { Accept: 'text/event-stream, application/json;q=0.5', ...headers },
      });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '1');
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'HOTLINE_HUB_STORAGE_UNAVAILABLE');
    }
    const logged = lines.map((line) => JSON.parse(line)).filter((entry) => entry.status === 503);
    assert.equal(logged.length, 2);
    assert.match(logged[0].err.message, /timed out/);
    assert.equal(running.hub.subscriberCount, 0, 'a refused subscribe holds no connection slot');
  } finally {
    await running.close();
  }
});
