/**
 * Three hub processes (`hotline serve`) on one shared log — Redis Streams, then NATS JetStream:
 * publishers round-robin across nodes, subscribers on every node get every update in one global order,
 * and when a node is killed with SIGKILL its subscribers move to another node and resume by id with
 * 0 lost and 0 duplicated.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connect, type EventStreamConnection } from '../../src/client/index.js';
import { SECRET, token } from '../fixtures/hub.js';
import { type HubProcess, startHubProcess } from '../fixtures/hub-process.js';
import { NATS_URL, REDIS_URL, reachable, skipUnless } from '../fixtures/services.js';

interface Node extends HubProcess {
  alive: boolean;
}

async function startNode(logUrl: string, dataDir: string): Promise<Node> {
  const hub = await startHubProcess({
    dataDir,
    args: [
      '--log',
      logUrl,
      '--jwt-secret',
      SECRET,
      '--allow-anonymous',
      '--log-level',
      'warn',
      '--heartbeat-ms',
      '1000',
    ],
  });
  return Object.assign(hub, { alive: true });
}

/**
 * Starts the three nodes; if one fails to start (a start timeout under load), stops those that did and
 * removes `dir` before rethrowing, so no `hotline serve` process outlives the test.
 */
async function startNodes(logUrl: string, dir: string): Promise<Node[]> {
  const started = await Promise.allSettled([0, 1, 2].map(() => startNode(logUrl, dir)));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure === undefined) return nodes;
  for (const node of nodes) node.kill();
  rmSync(dir, { recursive: true, force: true });
  throw failure.reason;
}

async function clusterScenario(
  logUrl: string,
): Promise<{ published: number; delivered: number; lost: number; duplicated: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-cluster-'));
  const nodes = await startNodes(logUrl, dir);
  const connections: EventStreamConnection[] = [];
  try {
    const publisher = await token({ publish: ['*'] });
    const live = () => nodes.filter((n) => n.alive);
    // A client-side balancer: requests to a dead node go to the next live one.
    const balanced = (home: number) => (url: string, init: RequestInit) => {
      const target = nodes[home]!.alive ? nodes[home]! : live()[home % live().length]!;
      return fetch(url.replace(/^http:\/\/[^/]+/, target.origin), init);
    };
    const topic = `/scores/${Date.now()}`;
    const received: number[][] = [];
    for (let home = 0; home < 3; home++) {
      for (let k = 0; k < 2; k++) {
        const events: number[] = [];
        received.push(events);
        connections.push(
          connect(`${nodes[home]!.origin}/.well-known/mercure?topic=${encodeURIComponent(topic)}`, {
            fetch: balanced(home) as never,
            reconnect: { minDelayMs: 20, maxDelayMs: 200 },
            onEvent: (event) => events.push(Number(event.data)),
          }),
        );
      }
    }
    // Every subscriber is connected once the first update reaches all of them.
    let published = 0;
    const publishNext = async () => {
      published++;
      for (let attempt = 0; ; attempt++) {
        const node = live()[(published + attempt) % live().length]!;
        const body = new URLSearchParams({ topic, data: String(published) });
        const response = await fetch(`${node.origin}/.well-known/mercure`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${publisher}` },
          body,
        }).catch(() => undefined);
        if (response?.status === 200) {
          await response.text();
          return;
        }
        await response?.text();
        if (attempt > 20) throw new Error(`publish ${published} failed: ${response?.status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 20; i++) await publishNext();
    // A node dies without warning: its subscribers must resume elsewhere with nothing lost.
    nodes[0]!.alive = false;
    nodes[0]!.kill();
    for (let i = 0; i < 20; i++) await publishNext();
    const deadline = Date.now() + 15_000;
    while (received.some((r) => r.length < published) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const expected = Array.from({ length: published }, (_, i) => i + 1);
    let lost = 0;
    let duplicated = 0;
    let delivered = 0;
    for (const events of received) {
      delivered += events.length;
      lost += expected.filter((n) => !events.includes(n)).length;
      duplicated += events.length - new Set(events).size;
      assert.deepEqual(events, expected, 'every subscriber sees every update once, in the one global order');
    }
    return { published, delivered, lost, duplicated };
  } finally {
    for (const c of connections) c.close();
    for (const n of nodes) n.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const redisSkip = skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`);
const natsSkip = skipUnless(await reachable(NATS_URL), `NATS at ${NATS_URL}`);

describe('a three-node hub cluster', () => {
  test('on Redis Streams: one order everywhere, and a killed node loses nothing', { skip: redisSkip }, async () => {
    const name = `hotline-cluster-${process.pid}-${Date.now()}`;
    const result = await clusterScenario(`${REDIS_URL}/?name=${name}`);
    assert.deepEqual({ lost: result.lost, duplicated: result.duplicated }, { lost: 0, duplicated: 0 });
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${name}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  test('on NATS JetStream: one order everywhere, and a killed node loses nothing', { skip: natsSkip }, async () => {
    const name = `hotline_cluster_${process.pid}_${Date.now()}`;
    const result = await clusterScenario(`${NATS_URL}/?name=${name}`);
    assert.deepEqual({ lost: result.lost, duplicated: result.duplicated }, { lost: 0, duplicated: 0 });
    const { connect: natsConnect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await natsConnect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(name).catch(() => false);
    await nc.close();
  });
});
