import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { HOTLINE_CLI } from '../../bench/peers/hotline.js';
import { type HotlineCluster, startHotlineCluster } from '../../bench/peers/hotline-cluster.js';
import { deleteRedisLog } from '../../bench/peers/log-cleanup.js';
import { runLoad } from '../../src/cli/bench/run-load.js';
import { REDIS_URL, reachable, skipUnless } from '../fixtures/services.js';

const skip = skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`);

/** The `hotline_subscribers` gauge of one node. */
async function subscribersOn(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^hotline_subscribers (\d+)/m.exec(text);
  assert.ok(match, `no hotline_subscribers gauge at ${url}/metrics`);
  return Number(match[1]);
}

describe('the multi-node system: three hubs on one Redis Streams log', { skip }, () => {
  let cluster: HotlineCluster;
  before(async () => {
    assert.ok(existsSync(HOTLINE_CLI), `${HOTLINE_CLI} is missing: run \`npm run build\``);
    cluster = await startHotlineCluster(3, REDIS_URL);
  });
  after(() => cluster?.stop());

  test('subscribers spread round-robin over the nodes each get every update published to one node', async () => {
    const path = '/.well-known/mercure?topic=t{topic}';
    const running = runLoad({
      subscribe: cluster.urls.map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port), path })),
      subscribers: 90,
      // Two workers: the round-robin is by global index, across worker processes.
      workers: 2,
      serverPids: cluster.pids,
      // Time to read every node's gauge while all 90 are connected.
      settleMs: 1000,
      publish: { shape: { kind: 'mercure', topic: 't{topic}', jwt: cluster.publisherJwt }, count: 40, inFlight: 4 },
    });
    let done = false;
    const finished = (): void => {
      done = true;
    };
    running.then(finished, finished);
    let perNode: number[] = [];
    while (!done) {
      perNode = await Promise.all(cluster.urls.map(subscribersOn));
      if (perNode.reduce((a, b) => a + b, 0) === 90) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const result = await running;
    assert.equal(result.subscribers.connected, 90);
    assert.equal(result.publish?.sent, 40);
    assert.equal(result.frames.lost, 0);
    assert.equal(result.frames.received, 90 * 40);
    assert.equal(result.frames.minPerSubscriber, 40);
    assert.deepEqual(perNode, [30, 30, 30]);
    assert.deepEqual(result.server?.pids, cluster.pids);
  });

  test('stopping the cluster deletes its keys', async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    try {
      assert.ok((await redis.exists(`{${cluster.prefix}}:stream`)) === 1, 'the log stream exists while it runs');
      await cluster.stop();
      assert.deepEqual(await redis.keys(`{${cluster.prefix}}:*`), []);
    } finally {
      redis.disconnect();
      // Idempotent: after() stops it again, and a failed assertion above must not leave keys behind.
      await deleteRedisLog(REDIS_URL, cluster.prefix);
    }
  });
});
