/**
 * Separate retention: updates of the separate share (the `--dev` demo's topics) are kept within a budget of
 * their own, so however many of them arrive, the other updates keep the whole of `maxEvents` — resumable by
 * id. On the memory and SQLite logs, checked against a model of two FIFO queues; Redis and NATS refuse it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import type { EventLog, LogOptions } from '../../../src/hub/log/event-log.js';
import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { createNatsLog } from '../../../src/hub/log/nats.js';
import { createRedisLog } from '../../../src/hub/log/redis.js';
import { createSqliteLog } from '../../../src/hub/log/sqlite.js';
import type { StoredUpdate } from '../../../src/hub/update.js';
import { update } from './contract.js';

const DEMO = { topics: ['/demo/', '/news'], maxEvents: 3 };

const dir = mkdtempSync(join(tmpdir(), 'hotline-separate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const backends: [string, (options: LogOptions) => EventLog][] = [
  ['memory', (options) => createMemoryLog(options)],
  ['sqlite', (options) => createSqliteLog(join(dir, `log-${++files}.db`), options)],
];

const ids = (updates: StoredUpdate[]) => updates.map((u) => u.id);

for (const [kind, open] of backends) {
  describe(`separate retention on the ${kind} log`, () => {
    test('the user’s updates survive any number of demo updates beyond the demo’s budget', async () => {
      const log = open({ maxEvents: 5, separate: DEMO });
      try {
        const mine = [update({ topics: ['/mine'] }), update({ topics: ['/mine', '/other'] })];
        for (const u of mine) await log.append(u);
        const demo = [];
        for (let i = 0; i < 200; i++) demo.push(await log.append(update({ topics: [`/demo/${i % 7}`] })));
        assert.equal(await log.size(), 5);
        for (const u of mine) assert.notEqual(await log.findPosition(u.id), undefined, 'still resumable by id');
        const kept = [...mine.map((u) => u.id), ...demo.slice(-3).map((u) => u.id)];
        assert.deepEqual(ids(await log.readAfter(0, 100)), kept);
        assert.deepEqual(ids(await log.readBefore(Number.MAX_SAFE_INTEGER, 100)), [...kept].reverse());
        assert.equal((await log.last())?.id, demo.at(-1)!.id);
        assert.equal(await log.findPosition(demo[0]!.id), undefined, 'the demo’s oldest went');
      } finally {
        await log.close();
      }
    });

    test('the demo keeps its budget too, and an update with one topic outside the share counts as the user’s', async () => {
      const log = open({ maxEvents: 2, separate: DEMO });
      try {
        const demo = [
          await log.append(update({ topics: ['/news'] })),
          await log.append(update({ topics: ['/demo/a'] })),
        ];
        const mixed = await log.append(update({ topics: ['/demo/a', '/mine'] }));
        await log.append(update({ topics: ['/newsletter'] })); // `/news` is exact: not in the share
        await log.append(update({ topics: ['/mine'] }));
        const kept = ids(await log.readAfter(0, 100));
        assert.ok(!kept.includes(mixed.id), 'the mixed update was the user’s, and was evicted by the user’s');
        for (const u of demo) assert.ok(kept.includes(u.id), 'the demo’s were not evicted by the user’s');
        assert.equal(kept.length, 4);
      } finally {
        await log.close();
      }
    });

    test('reads across the two shares are in position order (property, against a model)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 0, max: 70 }),
          fc.integer({ min: 1, max: 10 }),
          async (isDemo, userBudget, demoBudget, cut, limit) => {
            const log = open({ maxEvents: userBudget, separate: { topics: ['/demo/'], maxEvents: demoBudget } });
            try {
              const users: StoredUpdate[] = [];
              const demos: StoredUpdate[] = [];
              for (const demo of isDemo) {
                const stored = await log.append(update({ topics: [demo ? '/demo/x' : '/user/x'] }));
                (demo ? demos : users).push(stored);
              }
              const model = [...users.slice(-userBudget), ...demos.slice(-demoBudget)].sort(
                (a, b) => a.position - b.position,
              );
              const at = cut === 0 ? 0 : (model[Math.min(cut, model.length) - 1]?.position ?? 0);
              assert.deepEqual(
                ids(await log.readAfter(at, limit)),
                ids(model.filter((u) => u.position > at).slice(0, limit)),
              );
              assert.deepEqual(
                ids(await log.readBefore(at + 1, limit)),
                ids(
                  model
                    .filter((u) => u.position < at + 1)
                    .reverse()
                    .slice(0, limit),
                ),
              );
              assert.equal(await log.size(), model.length);
              assert.equal((await log.last())?.id, model.at(-1)?.id);
            } finally {
              await log.close();
            }
          },
        ),
        { numRuns: kind === 'sqlite' ? 40 : 150 },
      );
    });

    test('history older than maxAgeMs goes from both shares', async () => {
      const log = open({ maxEvents: 5, maxAgeMs: 60_000, separate: DEMO });
      try {
        const old = Date.now() - 120_000;
        await log.append(update({ topics: ['/mine'], publishedAt: old }));
        await log.append(update({ topics: ['/demo/a'], publishedAt: old }));
        const fresh = await log.append(update({ topics: ['/demo/a'] }));
        assert.deepEqual(ids(await log.readAfter(0, 10)), [fresh.id]);
        // The counts followed the age trim: three more demo updates keep three, not two.
        for (let i = 0; i < 3; i++) await log.append(update({ topics: ['/demo/b'] }));
        assert.equal(await log.size(), 3);
      } finally {
        await log.close();
      }
    });
  });
}

describe('separate retention on SQLite files', () => {
  test('a reopened file keeps each update in its share', async () => {
    const path = join(dir, 'reopened.db');
    const first = createSqliteLog(path, { maxEvents: 2, separate: DEMO });
    const mine = await first.append(update({ topics: ['/mine'] }));
    for (let i = 0; i < 3; i++) await first.append(update({ topics: ['/demo/a'] }));
    await first.close();
    const second = createSqliteLog(path, { maxEvents: 2, separate: DEMO });
    try {
      for (let i = 0; i < 10; i++) await second.append(update({ topics: ['/demo/a'] }));
      assert.notEqual(await second.findPosition(mine.id), undefined);
      assert.equal(await second.size(), 4);
    } finally {
      await second.close();
    }
  });

  test('a file made before separate retention existed opens, its rows in the log’s own share', async () => {
    const path = join(dir, 'old-schema.db');
    const db = new BetterSqlite3(path);
    db.exec(`CREATE TABLE updates (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, topics TEXT NOT NULL,
      data TEXT NOT NULL, private INTEGER NOT NULL, type TEXT, retry INTEGER, published_at INTEGER NOT NULL)`);
    db.prepare('INSERT INTO updates (id, topics, data, private, published_at) VALUES (?, ?, ?, 0, ?)').run(
      'old',
      '["/demo/a"]',
      'x',
      Date.now(),
    );
    db.close();
    const log = createSqliteLog(path, { maxEvents: 1, separate: DEMO });
    try {
      await log.append(update({ topics: ['/demo/a'] }));
      assert.equal((await log.readAfter(0, 10))[0]?.id, 'old');
      await log.append(update({ topics: ['/mine'] }));
      assert.equal(await log.findPosition('old'), undefined, 'the old row counted in the log’s own budget');
    } finally {
      await log.close();
    }
  });
});

describe('separate retention elsewhere', () => {
  test('Redis and NATS refuse it before connecting, saying which logs support it', async () => {
    for (const opening of [
      () => createRedisLog('redis://127.0.0.1:1', { separate: DEMO }),
      () => createNatsLog('nats://127.0.0.1:1', { separate: DEMO }),
    ]) {
      await assert.rejects(opening(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'HOTLINE_HUB_INVALID_OPTIONS');
        assert.match(error.message, /memory and SQLite/);
        return true;
      });
    }
  });

  test('a budget that is not a positive integer, or no topics, is refused', () => {
    for (const separate of [
      { topics: ['/demo/'], maxEvents: 0 },
      { topics: ['/demo/'], maxEvents: 1.5 },
      { topics: [], maxEvents: 3 },
      { topics: [''], maxEvents: 3 },
    ]) {
      assert.throws(() => createMemoryLog({ separate }), { code: 'HOTLINE_HUB_INVALID_OPTIONS' });
    }
  });
});
