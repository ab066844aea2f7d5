/**
 * [NON-SPEC] maxEventBytes end to end: a real loopback server sends an endless line; EventSource and
 * connect() report it, drop that connection, reconnect with Last-Event-ID, and memory stays bounded.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { EventSource } from '../../src/client/event-source.js';
import { connect } from '../../src/client/index.js';
import { type HotlineError, HotlineTypeError } from '../../src/errors.js';
import { retainedHeapBytes } from '../fixtures/heap.js';
import { startTestServer, streamHead, type TestServer, waitUntil } from '../fixtures/sse-test-server.js';

const MiB = 1024 * 1024;
const BLOCK = Buffer.alloc(64 * 1024, 'x');

/**
 * A server whose every connection sends one good event (`id: <attempt>`), then one endless line for as
 * long as the client reads it. Once `totalBytes` of line have gone out over all connections, a new
 * connection gets `done` instead.
 */
async function endlessLineServer(totalBytes: number): Promise<TestServer & { readonly streamed: number }> {
  let streamed = 0;
  const pump = (res: ServerResponse) => {
    while (!res.destroyed) {
      streamed += BLOCK.length;
      if (!res.write(BLOCK)) {
        res.once('drain', () => pump(res));
        return;
      }
    }
  };
  const server = await startTestServer((_req, res, attempt) => {
    streamHead(res);
    if (streamed >= totalBytes) {
      res.write('id: last\ndata: done\n\n');
      return;
    }
    res.write(`retry: 1\nid: ${attempt}\ndata: ok\n\ndata: `);
    pump(res);
  });
  return Object.defineProperty(server, 'streamed', { get: () => streamed }) as TestServer & { streamed: number };
}

/** Samples the retained heap (after a full GC) every few ms until stopped; returns the largest growth. */
function watchHeap(): () => number {
  const base = retainedHeapBytes();
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, retainedHeapBytes() - base);
  }, 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, retainedHeapBytes() - base);
  };
}

/** Every request after the first resumes after the good event of the one before it. */
function assertResumed(server: TestServer): void {
  const ids = server.requests.map((r) => r.headers['last-event-id']);
  assert.deepEqual(
    ids,
    ids.map((_, i) => (i === 0 ? undefined : String(i))),
  );
}

describe('[NON-SPEC] an endless line from a real server (64 MiB, maxEventBytes 1 MiB)', () => {
  test('EventSource fires error, reconnects with Last-Event-ID, and retains far less than it was sent', async () => {
    const server = await endlessLineServer(64 * MiB);
    const stop = watchHeap();
    const source = new EventSource(server.url, { maxEventBytes: MiB });
    const data: string[] = [];
    const states: number[] = [];
    source.onmessage = (e) => data.push(String((e as MessageEvent).data));
    source.onerror = () => states.push(source.readyState);
    await waitUntil(() => data.includes('done'), 60_000);
    const peak = stop();
    source.close();
    await server.close();
    const connections = server.requests.length;
    assert.ok(server.streamed >= 64 * MiB && connections > 2, `${connections} connections`);
    assert.deepEqual(data, [...Array.from({ length: connections - 1 }, () => 'ok'), 'done']);
    // spec(§9.2.3): re-establishing fires error with readyState CONNECTING, never CLOSED.
    assert.deepEqual(
      states,
      Array.from({ length: connections - 1 }, () => EventSource.CONNECTING),
    );
    assertResumed(server);
    assert.ok(peak < 8 * MiB, `retained heap grew by ${peak} bytes while ${server.streamed} bytes streamed`);
  });

  test('connect() reports HOTLINE_CLIENT_EVENT_TOO_LARGE to onRetry, resumes by id, stays bounded', async () => {
    const server = await endlessLineServer(64 * MiB);
    const stop = watchHeap();
    const errors: HotlineError[] = [];
    const attempts: number[] = [];
    const connection = connect(server.url, {
      maxEventBytes: MiB,
      reconnect: { minDelayMs: 1, maxDelayMs: 5 },
      onRetry: (error, _delayMs, attempt) => {
        errors.push(error);
        attempts.push(attempt);
      },
    });
    const data: string[] = [];
    for await (const event of connection) {
      data.push(event.data);
      if (event.data === 'done') break;
    }
    const peak = stop();
    await server.close();
    const connections = server.requests.length;
    assert.ok(server.streamed >= 64 * MiB && connections > 2, `${connections} connections`);
    assert.deepEqual(data, [...Array.from({ length: connections - 1 }, () => 'ok'), 'done']);
    assert.deepEqual(
      errors.map((e) => [e.code, (e.cause as HotlineError).code]),
      errors.map(() => ['HOTLINE_CLIENT_EVENT_TOO_LARGE', 'HOTLINE_PARSE_EVENT_TOO_LARGE']),
    );
    assert.equal(errors.length, connections - 1);
    // Each connection delivered its good event first, so each drop is a first failure again.
    assert.ok(attempts.every((a) => a === 1));
    assertResumed(server);
    assert.ok(peak < 8 * MiB, `retained heap grew by ${peak} bytes while ${server.streamed} bytes streamed`);
  });
});

describe('[NON-SPEC] connect() and a server that only ever sends an oversize event', () => {
  test('the backoff grows with each such connection and maxAttempts ends it', async () => {
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      res.write(`data: ${'x'.repeat(64 * 1024)}`);
    });
    const attempts: number[] = [];
    const connection = connect(server.url, {
      maxEventBytes: 32 * 1024,
      reconnect: { minDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 },
      onRetry: (_error, _delayMs, attempt) => attempts.push(attempt),
    });
    await assert.rejects(connection.done, (e: unknown) => {
      const error = e as HotlineError;
      return (
        error.code === 'HOTLINE_CLIENT_RETRIES_EXHAUSTED' &&
        (error.cause as HotlineError).code === 'HOTLINE_CLIENT_EVENT_TOO_LARGE'
      );
    });
    await server.close();
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(server.requests.length, 4);
  });
});

describe('[NON-SPEC] the default bound', () => {
  const twoMiB = `data: ${'x'.repeat(2 * MiB)}\n\n`;

  test('is 1 MiB: a 2 MiB event drops the connection', async () => {
    const server = await startTestServer((_req, res, attempt) => {
      streamHead(res);
      res.write(attempt === 1 ? twoMiB : 'data: small\n\n');
    });
    const codes: string[] = [];
    const connection = connect(server.url, {
      reconnect: { minDelayMs: 1, maxDelayMs: 2 },
      onRetry: (e) => codes.push(e.code),
    });
    for await (const event of connection) {
      assert.equal(event.data, 'small');
      break;
    }
    await server.close();
    assert.deepEqual(codes, ['HOTLINE_CLIENT_EVENT_TOO_LARGE']);
  });

  test('0 turns it off, for connect() and EventSource', async () => {
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      res.write(twoMiB);
    });
    for await (const event of connect(server.url, { maxEventBytes: 0 })) {
      assert.equal(event.data.length, 2 * MiB);
      break;
    }
    const source = new EventSource(server.url, { maxEventBytes: 0 });
    let length = 0;
    source.onmessage = (e) => {
      length = String((e as MessageEvent).data).length;
    };
    await waitUntil(() => length > 0);
    source.close();
    await server.close();
    assert.equal(length, 2 * MiB);
  });
});

describe('[NON-SPEC] an invalid maxEventBytes', () => {
  const refused = (e: unknown) =>
    e instanceof HotlineTypeError && e.code === 'HOTLINE_PARSE_INVALID_OPTIONS' && e.field === 'maxEventBytes';

  test('EventSource throws at once; connect() rejects done before any request', async () => {
    const server = await startTestServer((_req, res) => streamHead(res));
    assert.throws(() => new EventSource(server.url, { maxEventBytes: -1 }), refused);
    await assert.rejects(connect(server.url, { maxEventBytes: 0.5 }).done, refused);
    await server.close();
    assert.equal(server.requests.length, 0);
  });
});
