/**
 * Cluster-wide subscriptions API and presence: three `hotline serve` nodes on one shared log (Redis Streams,
 * then NATS JetStream), subscribers spread over them. Every node lists every subscription of the cluster
 * exactly once, presence events reach watchers on every node, and when a node is killed (SIGKILL, no
 * goodbye) its subscriptions leave every listing once its lease runs out, each ended by one event. With
 * Mercure 1.0 access tokens, the listing is in the 1.0 shape and one subject's streams on two nodes are one
 * subscription.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deleteNatsLog, deleteRedisLog } from '../../bench/peers/log-cleanup.js';
import { AUDIENCE, accessToken, exact } from '../fixtures/access-token.js';
import { type EventReader, publishOk, SECRET, subscribe, token } from '../fixtures/hub.js';
import { type HubProcess, startHubProcess } from '../fixtures/hub-process.js';
import { NATS_URL, REDIS_URL, reachable, skipUnless } from '../fixtures/services.js';

const LEASE_MS = 2500;
const PRESENCE = '/.well-known/mercure/subscriptions/{topic}/{subscriber}';
const API = '/.well-known/mercure/subscriptions';

interface Resource {
  id: string;
  topic: string;
  matchType?: string;
  match?: string;
  subscriber: string;
  active: boolean;
  payload?: unknown;
}
interface Listing {
  type: string;
  lastEventID: string;
  subscriptions: Resource[];
}

/**
 * Every hub process started, killed again after the suite too: a test that times out never reaches its
 * own `finally`, and its hubs must not outlive it.
 */
const everyNode: HubProcess[] = [];
after(() => {
  for (const node of everyNode) node.kill();
});

async function startNodes(logUrl: string, dir: string): Promise<HubProcess[]> {
  const args = [
    '--log',
    logUrl,
    '--jwt-secret',
    SECRET,
    '--allow-anonymous',
    '--subscriptions-api',
    '--jwt-audience',
    AUDIENCE,
    '--presence-lease-ms',
    String(LEASE_MS),
    '--log-level',
    'warn',
  ];
  const started = await Promise.allSettled([0, 1, 2].map(() => startHubProcess({ dataDir: dir, args })));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  everyNode.push(...nodes);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure === undefined) return nodes;
  for (const node of nodes) node.kill();
  throw failure.reason;
}

/** Collects every presence event a watcher receives, until it is closed. */
function collect(reader: EventReader): Resource[] {
  const events: Resource[] = [];
  void (async () => {
    for (;;) {
      try {
        events.push(JSON.parse((await reader.next(60_000)).data) as Resource);
      } catch {
        return;
      }
    }
  })();
  return events;
}

async function listing(origin: string, bearer: string, path = API): Promise<Listing> {
  const response = await fetch(`${origin}${path}`, {
    headers: { Authorization: `Bearer ${bearer}` },
    signal: AbortSignal.timeout(15_000),
  });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('content-type'), 'application/ld+json');
  return (await response.json()) as Listing;
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

async function presenceScenario(logUrl: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-presence-'));
  const readers: EventReader[] = [];
  let nodes: HubProcess[] = [];
  try {
    nodes = await startNodes(logUrl, dir);
    const watcherToken = await token({ subscribe: [PRESENCE] });
    const apiToken = await token({ subscribe: [`${API}{/topic}{/subscriber}`] });
    const publisher = await token({ publish: ['*'] });
    const watchers = await Promise.all(
      nodes.map((node) =>
        subscribe(`${node.origin}/.well-known/mercure`, [PRESENCE], { token: watcherToken }).then((reader) => {
          readers.push(reader);
          return collect(reader);
        }),
      ),
    );
    // Two subscribers on each node, each with a topic of its own and a payload naming its node.
    const topics = nodes.flatMap((_, n) => [`/rooms/${n}-a`, `/rooms/${n}-b`]);
    for (const [i, topic] of topics.entries()) {
      const node = nodes[Math.floor(i / 2)]!;
      const bearer = await token({ subscribe: [], payload: { node: Math.floor(i / 2) } });
      readers.push(await subscribe(`${node.origin}/.well-known/mercure`, [topic], { token: bearer }));
    }
    const expected = [...topics, PRESENCE, PRESENCE, PRESENCE].sort();
    const withShared = [...expected, '/shared'].sort();

    // Every node lists every subscription of the cluster, each once.
    for (const node of nodes) {
      await until(
        async () => (await listing(node.origin, apiToken)).subscriptions.length === expected.length,
        `node ${node.origin} lists ${expected.length} subscriptions`,
      );
      const { subscriptions, type } = await listing(node.origin, apiToken);
      assert.equal(type, 'Subscriptions');
      assert.deepEqual(subscriptions.map((s) => s.topic).sort(), expected);
      assert.equal(new Set(subscriptions.map((s) => s.id)).size, expected.length, 'each subscription listed once');
      assert.ok(subscriptions.every((s) => s.active));
    }
    // Mercure 1.0: one subject's streams on two nodes are one subscription, listed once by every node, in
    // the 1.0 shape beside the 0.x subscribers whose matchers 1.0 can express (the watchers' URI templates
    // it cannot).
    const ann = await accessToken({ subject: 'https://example.com/users/ann', subscribe: exact('/x') });
    for (const node of [nodes[1]!, nodes[2]!]) {
      readers.push(
        await subscribe(`${node.origin}/.well-known/mercure`, [], { token: ann, query: { match: '/shared' } }),
      );
    }
    const reader1 = await accessToken({ subscribe: exact('*') });
    const expected1 = [...topics, '/shared'].sort();
    for (const node of nodes) {
      await until(
        async () => (await listing(node.origin, reader1)).subscriptions.length === expected1.length,
        `node ${node.origin} lists ${expected1.length} subscriptions in the 1.0 shape`,
      );
      const { subscriptions } = await listing(node.origin, reader1);
      assert.deepEqual(subscriptions.map((s) => s.match).sort(), expected1);
      assert.ok(subscriptions.every((s) => s.matchType === 'Exact'));
      assert.equal(subscriptions.filter((s) => s.match === '/shared').length, 1, 'one subject, one subscription');
    }
    const room = (await listing(nodes[2]!.origin, apiToken)).subscriptions.find((s) => s.topic === '/rooms/0-a')!;
    assert.deepEqual(room.payload, { node: 0 }, 'the payload travels with the subscription');
    // The single-subscription endpoint answers on another node than the subscriber's.
    const single = await fetch(`${nodes[1]!.origin}${room.id}`, { headers: { Authorization: `Bearer ${apiToken}` } });
    assert.equal(single.status, 200);
    assert.equal(((await single.json()) as Resource).subscriber, room.subscriber);

    // Presence events reach watchers on every node.
    for (const events of watchers) {
      await until(
        () => topics.every((topic) => events.some((e) => e.topic === topic && e.active)),
        'every watcher saw every start',
      );
    }

    // lastEventID names the newest update the caller may see, never a private one it may not.
    const secret = await publishOk(
      `${nodes[1]!.origin}/.well-known/mercure`,
      { topic: '/secret', data: 'x', private: 'on' },
      publisher,
    );
    const { lastEventID } = await listing(nodes[2]!.origin, apiToken);
    assert.notEqual(lastEventID, secret);
    assert.notEqual(lastEventID, 'earliest');

    // Node 0 dies without a goodbye: its three subscriptions leave every listing within its lease.
    const killedAt = Date.now();
    nodes[0]!.kill();
    const gone = ['/rooms/0-a', '/rooms/0-b'];
    for (const node of nodes.slice(1)) {
      await until(
        async () => (await listing(node.origin, apiToken)).subscriptions.length === withShared.length - 3,
        `node ${node.origin} no longer lists node 0's subscriptions`,
      );
      const { subscriptions } = await listing(node.origin, apiToken);
      assert.ok(subscriptions.every((s) => !gone.includes(s.topic)));
    }
    const listedFor = Date.now() - killedAt;
    // Their ends are announced once each, to watchers on every live node.
    for (const events of watchers.slice(1)) {
      await until(
        () => gone.every((topic) => events.some((e) => e.topic === topic && !e.active)),
        'every live watcher saw the ends',
      );
      for (const topic of gone) {
        assert.equal(events.filter((e) => e.topic === topic && !e.active).length, 1, `${topic} ended once`);
      }
    }
    console.log(
      `# ${logUrl.split(':')[0]}: a killed node's subscriptions left the listings after ${listedFor} ms (lease ${LEASE_MS} ms)`,
    );
  } finally {
    for (const reader of readers) reader.close();
    for (const node of nodes) node.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const redisSkip = skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`);
const natsSkip = skipUnless(await reachable(NATS_URL), `NATS at ${NATS_URL}`);

describe('cluster-wide subscriptions API and presence', () => {
  test('on Redis Streams: every node lists every subscription once; a killed node leaves within its lease', {
    skip: redisSkip,
    timeout: 120_000,
  }, async () => {
    const name = `hotline-presence-${process.pid}-${Date.now()}`;
    try {
      await presenceScenario(`${REDIS_URL}/?name=${name}`);
    } finally {
      await deleteRedisLog(REDIS_URL, name);
    }
  });

  test('on NATS JetStream: every node lists every subscription once; a killed node leaves within its lease', {
    skip: natsSkip,
    timeout: 120_000,
  }, async () => {
    const name = `hotline_presence_${process.pid}_${Date.now()}`;
    try {
      await presenceScenario(`${NATS_URL}/?name=${name}`);
    } finally {
      await deleteNatsLog(NATS_URL, name);
    }
  });
});
