import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, type FetchLike } from '../../src/client/index.js';
import { HotlineTypeError } from '../../src/errors.js';
import { startHub } from '../fixtures/hub.js';
import { waitUntil } from '../fixtures/sse-test-server.js';

describe('connect({ share })', () => {
  test('share cannot be combined with whenHidden: pause, and needs a name', () => {
    for (const options of [{ share: { name: 'feed' }, whenHidden: 'pause' as const }, { share: { name: '' } }]) {
      assert.throws(
        () => connect('http://127.0.0.1:1/', options),
        (e: unknown) => e instanceof HotlineTypeError && e.code === 'HOTLINE_CLIENT_INVALID_OPTIONS',
      );
    }
  });

  test('in Node, connections of one process share one stream through BroadcastChannel; closing the leader hands over by id', async () => {
    const running = await startHub({ allowAnonymous: true });
    const url = `${running.endpoint}?topic=/feed`;
    const seen: string[][] = [[], [], []];
    // Each connection counts its own requests: the one that made a request is the leader.
    const requests = [0, 0, 0];
    const connections = seen.map((ids, i) =>
      connect(url, {
        share: { name: 'node-feed', leaseMs: 200 },
        onEvent: (e) => ids.push(e.lastEventId),
        fetch: (input, init) => {
          requests[i]!++;
          return (globalThis.fetch as unknown as FetchLike)(input, init);
        },
      }),
    );
    let published = 0;
    const publish = async (count: number) => {
      for (let i = 0; i < count; i++) await running.hub.publish({ topics: '/feed', id: `e${++published}` });
    };
    const all = (count: number) => Array.from({ length: count }, (_, i) => `e${i + 1}`);
    try {
      await waitUntil(() => running.hub.subscriberCount === 1, 10_000);
      await publish(5);
      await waitUntil(() => seen.every((ids) => ids.length === 5));
      assert.deepEqual(
        requests.filter((n) => n > 0),
        [1],
        'one connection made one request',
      );
      const leader = requests.indexOf(1);
      connections[leader]!.close();
      await publish(5);
      const rest = seen.filter((_, i) => i !== leader);
      await waitUntil(() => running.hub.subscriberCount === 1 && rest.every((ids) => ids.length === 10), 10_000);
      for (const ids of rest) assert.deepEqual(ids, all(10), '0 lost, 0 duplicated');
      assert.deepEqual(seen[leader], all(5), 'the closed connection gets nothing more');
      assert.equal(requests.filter((n) => n > 0).length, 2, 'the next leader made one request');
    } finally {
      for (const connection of connections) connection.close();
      await running.close();
    }
  });

  test('every connection sharing the stream gets onOpen, a late joiner too, before any event arrives', async () => {
    const running = await startHub({ allowAnonymous: true });
    const url = `${running.endpoint}?topic=/state`;
    const opened: { status: number; type: string | null }[][] = [[], [], []];
    const open = (i: number) =>
      connect(url, {
        share: { name: 'node-state', leaseMs: 200 },
        onOpen: (response) => {
          opened[i]!.push({ status: response.status, type: response.headers.get('Content-Type') });
        },
      });
    const connections = [open(0), open(1)];
    try {
      await waitUntil(() => opened[0]!.length === 1 && opened[1]!.length === 1, 10_000);
      // Joins once the leader is connected: it asks, and the leader answers.
      connections.push(open(2));
      await waitUntil(() => opened[2]!.length === 1, 10_000);
      for (const calls of opened) assert.deepEqual(calls, [{ status: 200, type: 'text/event-stream; charset=utf-8' }]);
      assert.equal(running.hub.subscriberCount, 1, 'still one stream');
    } finally {
      for (const connection of connections) connection.close();
      await running.close();
    }
  });
});
