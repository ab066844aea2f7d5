import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBetterSse } from '../../bench/peers/better-sse.js';
import { FrameCounter } from '../../src/cli/bench/frame-counter.js';
import { Histogram } from '../../src/cli/bench/histogram.js';
import { runLoad } from '../../src/cli/bench/run-load.js';
import { HotlineTypeError } from '../../src/errors.js';

/** A tiny SSE server: `GET /sub` streams, `POST /publish` with `{"data"}` broadcasts, chunked like most servers. */
async function tinySseServer(): Promise<{ port: number; pid: number; close: () => Promise<void> }> {
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/sub') {
      if (req.headers.authorization !== 'Bearer ok') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // A comment first: it ends a frame without data and must not be counted.
      res.write(': hello\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let data: string | null;
      if (req.url === '/.well-known/mercure') {
        // The Mercure shape: a form body with topic and data, and the publisher's bearer token.
        const form = new URLSearchParams(text);
        if (req.headers.authorization !== 'Bearer pub' || form.get('topic') !== 'bench') {
          res.writeHead(403).end();
          return;
        }
        data = form.get('data');
      } else {
        data = (JSON.parse(text) as { data: string }).data;
      }
      const frame = `event: tick\ndata: ${data}\r\n\r\n: heartbeat\n\n`;
      for (const s of streams) s.write(frame);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    pid: process.pid,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('frame counter', () => {
  test('counts data frames across chunked-encoding and read boundaries, not comments', () => {
    const body = ': hi\n\ndata: {"t":12.5,"p":"x"}\n\ndata: a\ndata: b\r\n\r\n';
    const wire = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    for (let step = 1; step <= wire.length; step++) {
      const stamps: (number | undefined)[] = [];
      const counter = new FrameCounter(
        () => {},
        (s) => stamps.push(s),
      );
      for (let i = 0; i < wire.length; i += step) counter.feed(Buffer.from(wire.slice(i, i + step)));
      assert.equal(counter.head?.status, 200);
      assert.equal(stamps.length, 2, `reads of ${step} bytes`);
      // A stamp split across reads is skipped (sampling), never misread.
      assert.ok(stamps[0] === 12.5 || stamps[0] === undefined, `reads of ${step} bytes: ${stamps[0]}`);
      if (step === wire.length) assert.deepEqual(stamps, [12.5, undefined]);
    }
  });
});

describe('histogram', () => {
  test('percentiles stay within 2% and merge by adding counts', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 1; v <= 10_000; v++) (v % 2 ? a : b).record(v * 100);
    const merged = new Histogram(a.toJSON());
    merged.add(b.toJSON());
    assert.equal(merged.total, 10_000);
    const p99 = merged.percentileUs(0.99)!;
    assert.ok(Math.abs(p99 - 990_000) / 990_000 < 0.02, `p99 ${p99}`);
  });
});

describe('runLoad', () => {
  let server: Awaited<ReturnType<typeof tinySseServer>>;
  before(async () => {
    server = await tinySseServer();
  });
  after(() => server.close());

  test('counts exactly the frames sent to 200 subscribers in 2 workers, 0 lost, with latency', async () => {
    const phases = new Set<string>();
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: server.port, path: '/sub', headers: { Authorization: 'Bearer ok' } },
      subscribers: 200,
      workers: 2,
      publish: { shape: { kind: 'json', path: '/publish' }, count: 50, inFlight: 2, payloadBytes: 64 },
      serverPid: server.pid,
      onProgress: (p) => phases.add(p.phase),
    });
    assert.equal(result.subscribers.connected, 200);
    assert.equal(result.publish?.sent, 50);
    assert.equal(result.frames.received, 200 * 50);
    assert.equal(result.frames.lost, 0);
    assert.equal(result.frames.minPerSubscriber, 50);
    assert.equal(result.frames.maxPerSubscriber, 50);
    // A stamp split across two reads is skipped, so a few samples may be missing.
    assert.ok(result.latency.samples >= 0.9 * 200 * 50 && result.latency.samples <= 200 * 50);
    assert.ok(result.latency.p99Ms !== undefined && result.latency.p99Ms >= 0);
    assert.ok(result.server && result.server.rssPeakBytes > 0);
    assert.ok(phases.has('done'));
    assert.ok(result.clientCpuSeconds > 0);
  });

  test('the Mercure publish shape sends a form body with the bearer token', async () => {
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: server.port, path: '/sub', headers: { Authorization: 'Bearer ok' } },
      subscribers: 20,
      publish: { shape: { kind: 'mercure', topic: 'bench', jwt: 'pub' }, count: 10, payloadBytes: 200 },
      settleMs: 0,
    });
    assert.equal(result.publish?.failed, 0);
    assert.equal(result.frames.received, 20 * 10);
  });

  test('failed publishes are counted with their reason, and expect nothing', async () => {
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: server.port, path: '/sub', headers: { Authorization: 'Bearer ok' } },
      subscribers: 5,
      publish: { shape: { kind: 'mercure', topic: 'bench', jwt: 'wrong' }, count: 3 },
      settleMs: 0,
      idleTimeoutMs: 200,
    });
    assert.equal(result.publish?.failed, 3);
    assert.deepEqual(result.publish?.errors, ['HTTP 403']);
    assert.equal(result.frames.expected, 0);
  });

  test('reports connect failures with their reason', async () => {
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: server.port, path: '/sub' },
      subscribers: 10,
      settleMs: 0,
    });
    assert.equal(result.subscribers.connected, 0);
    assert.equal(result.subscribers.failed, 10);
    assert.deepEqual(result.subscribers.errors, ['HTTP 401']);
  });

  test('slow readers and churn are excluded from the loss count', async () => {
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: server.port, path: '/sub', headers: { Authorization: 'Bearer ok' } },
      subscribers: 40,
      workers: 1,
      slowFraction: 0.25,
      churnPerSecond: 50,
      publish: { shape: { kind: 'json', path: '/publish' }, count: 20, ratePerSecond: 50 },
    });
    assert.equal(result.subscribers.slow, 10);
    assert.equal(result.subscribers.measured, 30);
    assert.equal(result.frames.received, 30 * 20);
    assert.equal(result.frames.lost, 0);
    assert.ok(result.churn.connects > 0);
  });

  test('bad options are a typed error', async () => {
    await assert.rejects(
      runLoad({ subscribe: { host: '127.0.0.1', port: server.port, path: '/sub' }, subscribers: 0 }),
      (error: unknown) => error instanceof HotlineTypeError && error.code === 'HOTLINE_BENCH_INVALID_OPTIONS',
    );
    await assert.rejects(
      runLoad({
        subscribe: { host: '127.0.0.1', port: server.port, path: '/sub' },
        subscribers: 1,
        topics: 3,
        publish: { shape: { kind: 'json', path: '/publish' }, count: 10 },
      }),
      (error: unknown) => error instanceof HotlineTypeError && error.field === 'publish.count',
    );
  });
});

describe('better-sse peer', () => {
  test("delivers each topic's publishes to its subscribers (3 topics, round-robin), measured in its own process", async () => {
    const peer = await startBetterSse();
    try {
      const { port } = new URL(peer.url);
      const result = await runLoad({
        subscribe: { host: '127.0.0.1', port: Number(port), path: '/sub/t{topic}' },
        subscribers: 100,
        workers: 2,
        topics: 3,
        publish: { shape: { kind: 'json', path: '/publish/t{topic}' }, count: 30, inFlight: 2 },
        serverPid: peer.pid,
      });
      assert.equal(result.frames.expectedPerSubscriber, 10);
      assert.equal(result.frames.received, 100 * 10);
      assert.equal(result.frames.lost, 0);
      assert.equal(result.frames.maxPerSubscriber, 10, "no subscriber got another topic's updates");
      // A stamp split across two reads is skipped, so a few samples may be missing.
      assert.ok(result.latency.samples >= 0.9 * 100 * 10 && result.latency.samples <= 100 * 10);
      assert.ok(result.server && result.server.pid !== process.pid && result.server.cpuSeconds >= 0);
    } finally {
      await peer.stop();
    }
  });
});
