/**
 * Issue L item 7 against a real hub on loopback: whatever a follower of the log does — an extension's
 * listener that throws or rejects, a subscriber whose stream fails while it is written — a publish that
 * was stored gets its 200, and every other subscriber and follower still gets the update.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { EventLog } from '../../src/hub/log/event-log.js';
import { createSqliteLog } from '../../src/hub/log/sqlite.js';
import type { StoredUpdate } from '../../src/hub/update.js';
import { publish, startHub, subscribe, token } from '../fixtures/hub.js';

/** A pino logger writing JSON lines into `lines`; `fail(line)` may make a write throw, as a full disk would. */
function recordingLogger(lines: string[], fail: (line: string) => boolean = () => false) {
  return pino(
    { level: 'debug' },
    {
      write(line: string) {
        if (fail(line)) throw new Error('the log destination failed');
        lines.push(line);
      },
    },
  );
}

const waitUntil = async (condition: () => boolean, label: string) => {
  for (const started = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 5))) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting for ${label}`);
  }
};

const logs: Record<string, (dir: string) => EventLog | undefined> = {
  'the default memory log': () => undefined,
  'a SQLite log': (dir) => createSqliteLog(join(dir, 'hub.db')),
};

for (const [name, openLog] of Object.entries(logs)) {
  test(`on ${name}, an extension follower that throws or rejects costs neither the publisher nor the subscribers`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-followers-'));
    const log = openLog(dir);
    const lines: string[] = [];
    const healthy: StoredUpdate[] = [];
    const failing: StoredUpdate[] = [];
    const running = await startHub({
      allowAnonymous: true,
      logger: recordingLogger(lines),
      ...(log === undefined ? {} : { log }),
      extension(host) {
        const stops = [
          host.follow((update) => {
            failing.push(update);
            throw new Error(`extension bug at ${update.position}`);
          }),
          host.follow(async (update) => {
            throw new Error(`async extension bug at ${update.position}`);
          }),
          host.follow((update) => healthy.push(update)),
        ];
        return {
          handle: () => false,
          close() {
            for (const stop of stops) stop();
          },
        };
      },
    });
    try {
      const topic = 'https://example.com/followers';
      // The extension's followers started from the head the hub read while it started listening.
      const reader = await subscribe(running.endpoint, [topic]);
      const publisher = await token({ publish: ['*'] });
      const ids: string[] = [];
      for (const data of ['first', 'second']) {
        const response = await publish(running.endpoint, { topic, data }, publisher);
        const body = await response.text();
        assert.equal(response.status, 200, body);
        ids.push(body);
        const event = await reader.next();
        assert.deepEqual([event.lastEventId, event.data], [body, data]);
      }
      await waitUntil(() => healthy.length === 2 && failing.length === 2, 'both extension followers');
      assert.deepEqual(
        healthy.map((update) => update.id),
        ids,
      );
      assert.deepEqual(failing, healthy);
      await waitUntil(
        () => lines.filter((line) => line.includes('extension follower failed')).length === 4,
        'four failures logged',
      );
      for (const { position } of healthy) {
        for (const message of [`extension bug at ${position}`, `async extension bug at ${position}`]) {
          const logged = lines.find((line) => line.includes(`"message":"${message}"`));
          assert.ok(logged, `${message} is logged`);
          assert.equal(JSON.parse(logged).msg, 'extension follower failed');
        }
      }
      reader.close();
    } finally {
      await running.close();
      await log?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a subscriber whose stream throws while it is written does not stop the update reaching the next one', async () => {
  const lines: string[] = [];
  let failed = false;
  // Closing a slow consumer's stream runs the hub's unsubscribe hook, which logs; when that write throws,
  // the throw comes out of the stream's write, in the middle of the hub's fan-out loop. Only once: the
  // hub's own shutdown runs the same hook.
  const failOnce = (line: string) => {
    if (failed || !line.includes('"msg":"unsubscribed"')) return false;
    failed = true;
    return true;
  };
  const running = await startHub({
    allowAnonymous: true,
    maxBufferedBytes: 1024,
    logger: recordingLogger(lines, failOnce),
  });
  try {
    const [big, ticks] = ['https://example.com/big', 'https://example.com/ticks'];
    // Subscribed first, so the fan-out reaches it before the healthy subscriber.
    const failing = await subscribe(running.endpoint, [big, ticks]);
    const healthy = await subscribe(running.endpoint, [ticks]);
    await waitUntil(() => running.hub.subscriberCount === 2, 'both subscribers');
    // Both in one turn: the failing subscriber's queue passes its burst cap (4 × maxBufferedBytes) on
    // the second, and its stream is closed as a slow consumer from inside the write.
    const stored = await Promise.all([
      running.hub.publish({ topics: big, data: 'x'.repeat(3000) }),
      running.hub.publish({ topics: ticks, data: 'y'.repeat(3000) }),
    ]);
    const event = await healthy.next();
    assert.deepEqual([event.lastEventId, event.data], [stored[1].id, 'y'.repeat(3000)]);
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; position?: number });
    assert.ok(logged.some((entry) => entry.msg === 'delivery failed' && entry.position === stored[1].position));
    await waitUntil(() => running.hub.subscriberCount === 1, 'the failing subscriber to be gone');
    // The hub goes on: the next update reaches the healthy subscriber as usual.
    const next = await running.hub.publish({ topics: ticks, data: 'after' });
    assert.equal((await healthy.next()).lastEventId, next.id);
    failing.close();
    healthy.close();
  } finally {
    await running.close();
  }
});

test('a close listener that throws does not stop a shutdown halfway: every stream ends and the port closes', async () => {
  const lines: string[] = [];
  // Every "unsubscribed" line fails to write: each stream's close hook throws while the hub shuts down.
  const running = await startHub({
    allowAnonymous: true,
    logger: recordingLogger(lines, (line) => line.includes('"msg":"unsubscribed"')),
  });
  const readers = await Promise.all([1, 2, 3].map(() => subscribe(running.endpoint, ['/shutdown'])));
  await waitUntil(() => running.hub.subscriberCount === 3, 'three subscribers');
  await running.close();
  assert.equal(running.hub.subscriberCount, 0);
  const logged = lines.map((line) => JSON.parse(line) as { msg: string });
  assert.equal(logged.filter((entry) => entry.msg === 'closing a stream failed').length, 3);
  await assert.rejects(fetch(`${running.origin}/healthz`), 'nothing listens any more');
  for (const reader of readers) reader.close();
});
