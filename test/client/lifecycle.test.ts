import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, StallError, type StorageLike, storageCursor } from '../../src/client/index.js';
import type { HotlineError } from '../../src/errors.js';
import { publishOk, startHub, token } from '../fixtures/hub.js';
import { startTestServer, streamHead, waitUntil } from '../fixtures/sse-test-server.js';

describe('connect(): two watchdogs', () => {
  test('liveness: a stream that goes silent (half-open) is dropped after 2.5 × the announced heartbeat and resumed', async () => {
    const server = await startTestServer((_req, res, attempt) => {
      streamHead(res);
      // The first connection announces a 40 ms heartbeat, sends one event, then never writes again.
      res.write(attempt === 1 ? ': heartbeat 40\nid: 1\ndata: a\n\n' : 'data: b\n\n');
    });
    const seen: string[] = [];
    const stalls: string[] = [];
    for await (const event of connect(server.url, { onRetry: (e) => stalls.push(e.code) })) {
      seen.push(event.data);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, ['a', 'b']);
    assert.deepEqual(stalls, ['HOTLINE_CLIENT_STALLED']);
    assert.equal(server.requests[1]?.headers['last-event-id'], '1');
    await server.close();
  });

  test('progress: comments keep bytes flowing but do not count; no event for progressTimeoutMs is a StallError', async () => {
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      const timer = setInterval(() => res.write(': keep-alive\n'), 10);
      res.on('close', () => clearInterval(timer));
    });
    const connection = connect(server.url, { progressTimeoutMs: 150, reconnect: false });
    await assert.rejects(connection.done, (e: unknown) => e instanceof StallError && e.watchdog === 'progress');
    await server.close();
  });
});

describe('connect(): auth refresh keeps the cursor', () => {
  test('a 401 calls refreshAuth, then reconnects with the new token and the same Last-Event-ID', async () => {
    let current = 'old';
    const server = await startTestServer((req, res) => {
      if (req.headers.authorization !== 'Bearer good') {
        res.writeHead(401).end();
        return;
      }
      streamHead(res);
      res.write('id: 2\ndata: in\n\n');
    });
    const connection = connect(server.url, {
      lastEventId: '1',
      headers: () => ({ Authorization: `Bearer ${current}` }),
      refreshAuth: () => {
        current = 'good';
      },
    });
    for await (const event of connection) {
      assert.equal(event.data, 'in');
      break;
    }
    assert.deepEqual(
      server.requests.map((r) => [r.headers.authorization, r.headers['last-event-id']]),
      [
        ['Bearer old', '1'],
        ['Bearer good', '1'],
      ],
    );
    await server.close();
  });

  test('a failing refresh stops the client; it never goes on anonymously', async () => {
    const server = await startTestServer((_req, res) => res.writeHead(401).end());
    const connection = connect(server.url, {
      headers: { Authorization: 'Bearer expired' },
      refreshAuth: () => {
        throw new Error('the session is over');
      },
    });
    await assert.rejects(
      connection.done,
      (e: unknown) => (e as HotlineError).code === 'HOTLINE_CLIENT_AUTH_REFRESH_FAILED',
    );
    assert.ok(server.requests.every((r) => r.headers.authorization === 'Bearer expired'));
    await server.close();
  });

  test('against the hub: a 2-second token is refreshed three times; private updates arrive with 0 lost and 0 duplicated', async () => {
    const running = await startHub();
    const publisher = await token({ publish: ['*'] });
    let bearer = await token({ subscribe: ['/users/7/{x}'], ttlSeconds: 2 });
    let refreshes = 0;
    const seen: number[] = [];
    const connection = connect(`${running.endpoint}?topic=${encodeURIComponent('/users/7/{x}')}`, {
      headers: () => ({ Authorization: `Bearer ${bearer}` }),
      refreshAuth: async () => {
        refreshes++;
        bearer = await token({ subscribe: ['/users/7/{x}'], ttlSeconds: 2 });
      },
      onEvent: (e) => seen.push(Number(e.data)),
    });
    try {
      // The hub replays nothing to a first connection without Last-Event-ID: publish once it is subscribed.
      await waitUntil(() => running.hub.subscriberCount === 1, 5000);
      let sent = 0;
      while (refreshes < 3) {
        await publishOk(running.endpoint, { topic: '/users/7/inbox', data: String(++sent), private: true }, publisher);
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitUntil(() => seen.length >= sent, 10_000);
      assert.deepEqual(
        seen,
        Array.from({ length: sent }, (_, i) => i + 1),
        '0 lost, 0 duplicated, in order',
      );
    } finally {
      connection.close();
      await running.close();
    }
  });
});

describe('connect(): cursor persistence and reset', () => {
  test('a stored cursor resumes a new run where the last one stopped; a reset is surfaced', async () => {
    const running = await startHub({ allowAnonymous: true });
    const publisher = await token({ publish: ['*'] });
    const saved = new Map<string, string>();
    const storage: StorageLike = { getItem: (k) => saved.get(k) ?? null, setItem: (k, v) => void saved.set(k, v) };
    const url = `${running.endpoint}?topic=/cursor`;
    try {
      await publishOk(running.endpoint, { topic: '/cursor', data: '1', id: 'c1' }, publisher);
      for await (const event of connect(url, { cursor: storageCursor(storage, 'feed'), lastEventId: 'earliest' })) {
        assert.equal(event.data, '1');
        break;
      }
      assert.equal(saved.get('feed'), 'c1');
      await publishOk(running.endpoint, { topic: '/cursor', data: '2', id: 'c2' }, publisher);
      // A "reloaded page": a new connection with the same store picks up after c1.
      for await (const event of connect(url, { cursor: storageCursor(storage, 'feed') })) {
        assert.equal(event.data, '2');
        break;
      }
      saved.set('feed', 'forgotten-by-the-hub');
      const resets: string[] = [];
      for await (const event of connect(url, {
        cursor: storageCursor(storage, 'feed'),
        onReset: (e) => resets.push(e.data),
      })) {
        assert.equal(event.type, 'reset');
        break;
      }
      assert.equal(resets.length, 1);
    } finally {
      await running.close();
    }
  });
});
