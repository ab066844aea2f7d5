import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { backoffCap, backoffDelay, connect, HttpError } from '../../src/client/index.js';
import type { HotlineError } from '../../src/errors.js';
import { startTestServer, streamHead, waitUntil } from '../fixtures/sse-test-server.js';

describe('connect()', () => {
  test('for await yields events; break closes the connection and the server sees it', async () => {
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      let n = 0;
      const timer = setInterval(() => res.write(`id: ${++n}\ndata: ${n}\n\n`), 5);
      res.on('close', () => clearInterval(timer));
    });
    const seen: string[] = [];
    for await (const event of connect(server.url)) {
      seen.push(event.data);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ['1', '2', '3']);
    await waitUntil(() => server.disconnects === 1);
    await server.close();
  });

  test('with onEvent, events are queued for iteration only once it starts: an onEvent-only page keeps none', async () => {
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      let n = 0;
      const timer = setInterval(() => res.write(`id: ${++n}\ndata: ${n}\n\n`), 2);
      res.on('close', () => clearInterval(timer));
    });
    const handled: string[] = [];
    const connection = connect(server.url, { onEvent: (event) => handled.push(event.data) });
    await waitUntil(() => handled.length >= 50);
    // Nothing was kept for an iterator nobody started: the first event it yields is a new one.
    const iterated: string[] = [];
    for await (const event of connection) {
      iterated.push(event.data);
      if (iterated.length === 3) break;
    }
    assert.ok(Number(iterated[0]) > 50, `iteration began at event ${iterated[0]}`);
    // Both consumers see every event from the moment iteration starts, in the same order.
    const start = handled.indexOf(iterated[0]!);
    assert.deepEqual(handled.slice(start, start + 3), iterated);
    await server.close();
  });

  test('onEvent and a for await started at once both see every event', async () => {
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      res.write('id: 1\ndata: a\n\nid: 2\ndata: b\n\n');
    });
    const handled: string[] = [];
    const iterated: string[] = [];
    const connection = connect(server.url, { onEvent: (event) => handled.push(event.data) });
    for await (const event of connection) {
      iterated.push(event.data);
      if (iterated.length === 2) break;
    }
    assert.deepEqual(iterated, ['a', 'b']);
    assert.deepEqual(handled, ['a', 'b']);
    await server.close();
  });

  test('headers are re-evaluated on every reconnect, and Last-Event-ID resumes', async () => {
    let token = 0;
    const server = await startTestServer((_req, res, attempt) => {
      streamHead(res);
      res.end(attempt === 1 ? 'id: a\ndata: 1\n\n' : 'id: b\ndata: 2\n\n');
    });
    const connection = connect(server.url, {
      headers: async () => ({ Authorization: `Bearer ${++token}` }),
      reconnect: { minDelayMs: 5, maxDelayMs: 10 },
    });
    const seen: string[] = [];
    for await (const event of connection) {
      seen.push(event.data);
      if (seen.length === 2) break;
    }
    assert.equal(server.requests[0]?.headers.authorization, 'Bearer 1');
    assert.equal(server.requests[1]?.headers.authorization, 'Bearer 2');
    assert.equal(server.requests[1]?.headers['last-event-id'], 'a');
    assert.equal(connection.lastEventId, 'b');
    await server.close();
  });

  test('POST with a body, and a starting lastEventId', async () => {
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      res.write('data: ok\n\n');
    });
    const connection = connect(server.url, {
      method: 'POST',
      body: '{"prompt":"hi"}',
      lastEventId: 'start-7',
      headers: { 'Content-Type': 'application/json' },
    });
    for await (const _event of connection) break;
    assert.equal(server.requests[0]?.method, 'POST');
    assert.equal(server.requests[0]?.body, '{"prompt":"hi"}');
    assert.equal(server.requests[0]?.headers['last-event-id'], 'start-7');
    await server.close();
  });

  test('an AbortSignal stops the stream; done resolves and iteration ends without error', async () => {
    const server = await startTestServer((_req, res) => streamHead(res));
    const controller = new AbortController();
    const connection = connect(server.url, { signal: controller.signal });
    await waitUntil(() => server.requests.length === 1);
    controller.abort();
    await connection.done;
    const events = [];
    for await (const event of connection) events.push(event);
    assert.equal(events.length, 0);
    await waitUntil(() => server.disconnects === 1);
    await server.close();
  });

  test('a final HTTP status rejects with HttpError; 5xx is retried with backoff', async () => {
    const server = await startTestServer((_req, res, attempt) => {
      res.writeHead(attempt < 3 ? 503 : 401).end();
    });
    const retries: number[] = [];
    const connection = connect(server.url, {
      reconnect: { minDelayMs: 1, maxDelayMs: 5 },
      onRetry: (_e, _d, n) => retries.push(n),
    });
    await assert.rejects(connection.done, (e: unknown) => e instanceof HttpError && e.status === 401);
    assert.deepEqual(retries, [1, 2]);
    await server.close();
  });

  test('204 ends the stream cleanly: no reconnect, no error', async () => {
    const server = await startTestServer((_req, res) => res.writeHead(204).end());
    const connection = connect(server.url, { reconnect: { minDelayMs: 1 } });
    await connection.done;
    assert.equal(server.requests.length, 1);
    await server.close();
  });

  test('a wrong Content-Type is final; onOpen may reject a response itself', async () => {
    const server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>');
    });
    await assert.rejects(
      connect(server.url).done,
      (e: unknown) => (e as HotlineError).code === 'HOTLINE_CLIENT_BAD_CONTENT_TYPE',
    );
    const custom = connect(server.url, {
      onOpen: (response) => {
        if (response.headers.get('content-type') !== 'application/x-custom') throw new Error('not ours');
      },
    });
    await assert.rejects(custom.done, /not ours/);
    await server.close();
  });

  test('maxAttempts gives up with the last error as cause; the server retry: is a floor', async () => {
    const server = await startTestServer((req) => req.socket.destroy());
    const delays: number[] = [];
    const connection = connect(server.url, {
      reconnect: { minDelayMs: 1, maxDelayMs: 50, maxAttempts: 3 },
      onRetry: (_e, d) => delays.push(d),
    });
    await assert.rejects(
      connection.done,
      (e: unknown) => (e as HotlineError).code === 'HOTLINE_CLIENT_RETRIES_EXHAUSTED',
    );
    assert.equal(delays.length, 2);
    await server.close();
  });

  test('garbage, an endless line and a mid-event close never crash; the client reconnects', async () => {
    const server = await startTestServer((_req, res, attempt) => {
      streamHead(res);
      if (attempt === 1) res.end(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x3a]));
      else if (attempt === 2) res.write(`data: ${'z'.repeat(100_000)}`);
      else if (attempt === 3) res.end('data: half an eve');
      else res.write('data: survived\n\n');
    });
    const errors: string[] = [];
    const connection = connect(server.url, {
      maxEventBytes: 32 * 1024,
      reconnect: { minDelayMs: 1, maxDelayMs: 2 },
      onRetry: (e) => errors.push(e.code),
    });
    for await (const event of connection) {
      assert.equal(event.data, 'survived');
      break;
    }
    assert.deepEqual(errors, [
      'HOTLINE_CLIENT_NETWORK_ERROR',
      'HOTLINE_CLIENT_EVENT_TOO_LARGE',
      'HOTLINE_CLIENT_NETWORK_ERROR',
    ]);
    await server.close();
  });

  test('close() while connecting is a clean stop: done resolves, no error', async () => {
    const server = await startTestServer(() => {});
    const connection = connect(server.url);
    await waitUntil(() => server.requests.length === 1);
    connection.close();
    assert.equal(await connection.done, undefined);
    await server.close();
  });
});

describe('backoff', () => {
  test('delays stay within [0, cap], the server retry is a floor, caps grow monotonically to the max', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 40 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.option(fc.nat({ max: 200_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, minDelayMs, extra, serverRetryMs, r) => {
          const maxDelayMs = minDelayMs + extra;
          const options = { minDelayMs, maxDelayMs };
          const cap = backoffCap(attempt, options);
          assert.ok(cap <= maxDelayMs);
          assert.ok(backoffCap(attempt + 1, options) >= cap);
          const delay = backoffDelay(attempt, options, serverRetryMs, () => r);
          assert.ok(delay >= 0 && delay <= maxDelayMs);
          if (serverRetryMs !== undefined) assert.ok(delay >= Math.min(serverRetryMs, maxDelayMs));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('full jitter: delays for one attempt are spread, not one value', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, { minDelayMs: 100, maxDelayMs: 10_000 })));
    assert.ok(delays.size > 25);
  });
});
