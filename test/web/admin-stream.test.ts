import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import type { StatsSnapshot, UpdateSummary } from '../../src/hub/dashboard/index.js';
import { demoTopics, startDemoPublisher } from '../../src/hub/dashboard/index.js';
import { createTopicMatcher } from '../../src/hub/topics/selectors.js';
import type { StoredUpdate } from '../../src/hub/update.js';
import { type EventReader, SECRET, subscribe, token } from '../fixtures/hub.js';
import { adminToken, startWebHub } from './web-hub.js';

async function nextOf(reader: EventReader, type: string): Promise<string> {
  for (;;) {
    const event = await reader.next(5000);
    if (event.type === type) return event.data;
  }
}

test('the admin stream sends stats at once, then update summaries without payloads', async () => {
  const running = await startWebHub();
  try {
    const admin = await subscribe(`${running.origin}/dashboard/stream`, [], { token: await adminToken() });
    const first = JSON.parse(await nextOf(admin, 'stats')) as StatsSnapshot;
    assert.equal(first.subscribers, 0);
    assert.equal(first.eventsPerSecond, 0);
    // The stream's follower starts from the log head asynchronously; a subscriber proves the hub is live.
    const reader = await subscribe(running.endpoint, ['/admin/{x}']);
    await nextOf(admin, 'stats');
    const stored = await running.hub.publish({
      topics: ['/admin/a', '/admin/b'],
      data: 'é'.repeat(3),
      type: 't',
      private: true,
    });
    const batch = JSON.parse(await nextOf(admin, 'updates')) as UpdateSummary[];
    assert.deepEqual(batch, [
      {
        id: stored.id,
        topic: '/admin/a',
        topics: 2,
        type: 't',
        private: true,
        bytes: 6,
        publishedAt: stored.publishedAt,
      },
    ]);
    let stats = JSON.parse(await nextOf(admin, 'stats')) as StatsSnapshot;
    while (stats.published < 1) stats = JSON.parse(await nextOf(admin, 'stats')) as StatsSnapshot;
    assert.equal(stats.subscribers, 1);
    assert.deepEqual(stats.selectors, [{ selector: '/admin/{x}', subscribers: 1 }]);
    reader.close();
    admin.close();
  } finally {
    await running.close();
  }
});

test('a burst of updates reaches the admin stream as a few batches, in order, none lost up to the batch cap', async () => {
  const running = await startWebHub();
  try {
    const admin = await subscribe(`${running.origin}/dashboard/stream`, [], { token: await adminToken() });
    await nextOf(admin, 'stats');
    const reader = await subscribe(running.endpoint, ['/burst']);
    await nextOf(admin, 'stats');
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) =>
        ids.push((await running.hub.publish({ topics: '/burst', data: `${i}` })).id),
      ),
    );
    const seen: string[] = [];
    let batches = 0;
    while (seen.length < 40) {
      seen.push(...(JSON.parse(await nextOf(admin, 'updates')) as UpdateSummary[]).map((u) => u.id));
      batches++;
    }
    assert.deepEqual(seen, ids);
    assert.ok(batches < 40, `${batches} batches for 40 updates`);
    reader.close();
    admin.close();
  } finally {
    await running.close();
  }
});

test('the demo publisher publishes every panel’s topics, notifications private to the user', async () => {
  const running = await startWebHub();
  const stored: StoredUpdate[] = [];
  let calls = 0;
  // A seeded generator: the same run every time.
  let seed = 42;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const demo = startDemoPublisher(
    {
      publish: async (input) => {
        calls++;
        const update = await running.hub.publish(input);
        stored.push(update);
        return update;
      },
    },
    { tickMs: 10, user: 'bob', random },
  );
  try {
    while (calls < 7 * 10) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    demo.stop();
  }
  try {
    const topics = demoTopics('bob');
    const matcher = createTopicMatcher();
    const covered = (selector: string) => stored.some((u) => matcher.matches(selector, u.topics[0]!));
    for (const selector of [topics.stocks, topics.news, topics.matches, ...topics.notifications.slice(1)]) {
      assert.ok(covered(selector), `nothing published on ${selector}`);
    }
    for (const update of stored) {
      assert.equal(update.private, update.topics[0] === '/users/bob/notifications', update.topics[0]);
      const value = JSON.parse(update.data) as Record<string, unknown>;
      if (update.type === 'price') assert.ok(typeof value.price === 'number' && value.price > 0);
      if (update.type === 'score')
        assert.ok(typeof value.minute === 'number' && value.minute >= 1 && value.minute <= 90);
    }
    const symbols = new Set(stored.filter((u) => u.type === 'price').map((u) => u.topics[0]));
    assert.equal(symbols.size, 5);
  } finally {
    await running.close();
  }
});

test('a failing publish goes to onError and the demo keeps ticking', async () => {
  const errors: unknown[] = [];
  let calls = 0;
  const demo = startDemoPublisher(
    {
      publish: () => {
        calls++;
        return Promise.reject(new Error('log unavailable'));
      },
    },
    { tickMs: 5, onError: (error) => errors.push(error) },
  );
  try {
    while (calls < 20) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    demo.stop();
  }
  assert.ok(errors.length >= 7);
  assert.ok(errors.every((error) => error instanceof Error && error.message === 'log unavailable'));
});

test('a refused dashboard stream says why in its JSON error: no token, not a JWT, expired, too narrow, wrong key', async () => {
  const running = await startWebHub();
  const expired = await new SignJWT({ mercure: { publish: ['*'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(SECRET));
  const cases: [Record<string, string>, string][] = [
    [{}, 'the dashboard stream needs an admin token (Authorization: Bearer)'],
    [{ Authorization: 'Basic YWRtaW4=' }, 'the Authorization header is not "Bearer <token>"'],
    [{ Authorization: 'Bearer not-a-jwt' }, 'the token is not a JWT'],
    [{ Authorization: `Bearer ${expired}` }, 'the token has expired'],
    [
      { Authorization: `Bearer ${await token({ publish: ['/news'], subscribe: ['*'] })}` },
      'the token may not publish to every topic: the dashboard needs "mercure": {"publish": ["*"]}',
    ],
    [
      { Authorization: `Bearer ${await token({ publish: ['*'] }, 'another-secret-that-is-long-enough-for-hs256')}` },
      'the token signature does not verify: it is not signed with the hub’s key',
    ],
  ];
  try {
    for (const [headers, message] of cases) {
      const response = await fetch(`${running.origin}/dashboard/stream`, { headers });
      assert.equal(response.status, 401, message);
      assert.deepEqual(await response.json(), { error: { code: 'HOTLINE_HUB_UNAUTHORIZED', message } });
    }
  } finally {
    await running.close();
  }
});
