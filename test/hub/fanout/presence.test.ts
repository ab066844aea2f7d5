/**
 * Presence on one node, over the in-memory store and log: what it records and publishes, how it reaps a
 * node that stopped renewing, how it recovers a lease taken from it, and its goodbye.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { createPresence, type Presence, Subscriber, type SubscriptionRecord } from '../../../src/hub/fanout/index.js';
import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { createMemoryPresenceStore } from '../../../src/hub/log/presence-store.js';
import type { StoredUpdate } from '../../../src/hub/update.js';

const LEASE_MS = 60;
const logger = pino({ level: 'silent' });

function subscriber(id: string, topic: string, payload?: unknown, subject?: string, topics = [topic]): Subscriber {
  return new Subscriber({
    id,
    selectors: topics.map((source) => ({ kind: 'exact' as const, source })),
    privateSelectors: [],
    payload,
    subject,
    stream: { writeFrame: () => true, close() {}, closed: false },
  });
}

async function records(presence: Presence): Promise<SubscriptionRecord[]> {
  const found: SubscriptionRecord[] = [];
  for await (const page of presence.records()) found.push(...page);
  return found;
}

/** The presence documents stored in `log`, in log order. */
async function announced(log: ReturnType<typeof createMemoryLog>) {
  const updates: StoredUpdate[] = await log.readAfter(0, 1000);
  return updates.map((u) => ({
    ...(JSON.parse(u.data) as { active: boolean }),
    topic: u.topics[0],
    private: u.private,
  }));
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('presence', () => {
  test('a subscription is recorded, then announced in both shapes; its end removed, then announced', async () => {
    const log = createMemoryLog();
    const presence = await createPresence({ log, store: createMemoryPresenceStore(), leaseMs: 10_000, logger });
    const ann = subscriber('urn:uuid:ann', '/rooms/1', { name: 'ann' });
    presence.announce(ann, true);
    await until(async () => (await log.size()) === 2, 'two start updates');
    assert.deepEqual(await records(presence), [
      { subscriber: 'urn:uuid:ann', kind: 'exact', source: '/rooms/1', payload: { name: 'ann' } },
    ]);
    presence.announce(ann, false);
    await until(async () => (await log.size()) === 4, 'two end updates');
    assert.deepEqual(await records(presence), []);
    assert.deepEqual(
      (await announced(log)).map(({ topic, active, private: p }) => [topic, active, p]),
      [
        ['/.well-known/mercure/subscriptions/%2Frooms%2F1/urn%3Auuid%3Aann', true, true],
        ['/.well-known/mercure/subscriptions/Exact/%2Frooms%2F1/urn%3Auuid%3Aann', true, true],
        ['/.well-known/mercure/subscriptions/%2Frooms%2F1/urn%3Auuid%3Aann', false, true],
        ['/.well-known/mercure/subscriptions/Exact/%2Frooms%2F1/urn%3Auuid%3Aann', false, true],
      ],
    );
    await presence.close();
  });

  test('the subscriptions of a node that stopped renewing are ended by a live node, once', async () => {
    const log = createMemoryLog();
    const store = createMemoryPresenceStore();
    // A node that recorded one subscription and then went silent (a crash: no goodbye).
    await store.renew('crashed', LEASE_MS);
    await store.put('crashed', '0', JSON.stringify({ subscriber: 'urn:uuid:bob', kind: 'exact', source: '/b' }));
    const presence = await createPresence({ log, store, leaseMs: LEASE_MS, logger, node: 'live' });
    try {
      await until(async () => (await log.size()) === 2, "the crashed node's end, in both shapes");
      assert.deepEqual(
        (await announced(log)).map(({ topic, active }) => [topic, active]),
        [
          ['/.well-known/mercure/subscriptions/%2Fb/urn%3Auuid%3Abob', false],
          ['/.well-known/mercure/subscriptions/Exact/%2Fb/urn%3Auuid%3Abob', false],
        ],
      );
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 2));
      assert.equal(await log.size(), 2, 'announced once, not at every tick');
    } finally {
      await presence.close();
    }
  });

  test('a node whose lease was taken (a long pause) records and announces its subscriptions again', async () => {
    const log = createMemoryLog();
    const store = createMemoryPresenceStore();
    const presence = await createPresence({ log, store, leaseMs: LEASE_MS, logger, node: 'paused' });
    try {
      presence.announce(subscriber('urn:uuid:cy', '/c'), true);
      await until(async () => (await log.size()) === 2, 'the start');
      // What a reaper does to a node it presumed dead.
      await store.leave('paused');
      assert.deepEqual(await records(presence), []);
      await until(async () => (await records(presence)).length === 1, 'the subscription recorded again');
      await until(async () => (await log.size()) === 4, 'announced again');
      assert.deepEqual(
        (await announced(log)).map(({ active }) => active),
        [true, true, true, true],
      );
    } finally {
      await presence.close();
    }
  });

  test('closing waits for the announcements in flight, then leaves: nothing of the node stays listed', async () => {
    const log = createMemoryLog();
    const store = createMemoryPresenceStore();
    const presence = await createPresence({ log, store, leaseMs: 10_000, logger });
    const dee = subscriber('urn:uuid:dee', '/d');
    presence.announce(dee, true);
    presence.announce(dee, false);
    await presence.close();
    assert.deepEqual(
      (await announced(log)).map(({ active }) => active),
      [true, true, false, false],
    );
    assert.deepEqual(await records(presence), []);
    assert.deepEqual(await store.reap(), [], 'a node that said goodbye is not reaped later');
  });

  // spec(Mercure 1.0 §Subscription Events): "If a subscriber has several subscriptions, the hub SHOULD assign
  // the same `{subscriber}` value to all of them when it can correlate them (for example, when the same `sub`
  // claim is presented across requests)"; spec(Mercure 1.0 §Subscription): "Hubs MAY deduplicate
  // subscriptions that have identical matcher type and pattern."
  test('streams of one subject on one matcher are one subscription: started by the first, ended by the last', async () => {
    const log = createMemoryLog();
    const presence = await createPresence({ log, store: createMemoryPresenceStore(), leaseMs: 10_000, logger });
    try {
      const first = subscriber('urn:uuid:s1', '/e', undefined, 'https://example.com/users/eve', ['/e', '/e']);
      const second = subscriber('urn:uuid:s2', '/e', undefined, 'https://example.com/users/eve');
      presence.announce(first, true);
      presence.announce(second, true);
      await until(async () => (await log.size()) === 2, 'one start, in both shapes');
      const listed = await records(presence);
      assert.deepEqual(listed, [
        { subscriber: 'https://example.com/users/eve', kind: 'exact', source: '/e', shared: true },
      ]);
      presence.announce(first, false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await log.size(), 2, 'still held by the second stream');
      assert.equal((await records(presence)).length, 1);
      presence.announce(second, false);
      await until(async () => (await log.size()) === 4, 'the end, in both shapes');
      assert.deepEqual(await records(presence), []);
      assert.equal(
        (await announced(log))[1]!.topic,
        '/.well-known/mercure/subscriptions/Exact/%2Fe/https%3A%2F%2Fexample.com%2Fusers%2Feve',
      );
    } finally {
      await presence.close();
    }
  });

  test("a subject's subscription held on two nodes starts with the first node's stream and ends with the last's", async () => {
    const log = createMemoryLog();
    const store = createMemoryPresenceStore();
    const [a, b] = await Promise.all([
      createPresence({ log, store, leaseMs: 10_000, logger, node: 'a' }),
      createPresence({ log, store, leaseMs: 10_000, logger, node: 'b' }),
    ]);
    const subject = 'https://example.com/users/fay';
    const onA = subscriber('urn:uuid:fa', '/f', undefined, subject);
    const onB = subscriber('urn:uuid:fb', '/f', undefined, subject);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    try {
      a.announce(onA, true);
      await until(async () => (await log.size()) === 2, 'the start, in both shapes');
      b.announce(onB, true);
      await settle();
      assert.equal(await log.size(), 2, 'already started on node a: not announced again');
      assert.equal((await records(a)).length, 2, 'each node records what it holds');
      a.announce(onA, false);
      await settle();
      assert.equal(await log.size(), 2, 'still held on node b: not ended');
      b.announce(onB, false);
      await until(async () => (await log.size()) === 4, 'the end, in both shapes');
      assert.deepEqual(
        (await announced(log)).map(({ active }) => active),
        [true, true, false, false],
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
