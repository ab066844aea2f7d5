import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { EventSource as ThirdPartyEventSource } from 'eventsource';
import {
  activeHeartbeatTimers,
  createChannel,
  createSession,
  openSessionCount,
  type Session,
  type SessionOptions,
  sseResponse,
} from '../../src/server/index.js';
import { openStream } from '../fixtures/sse-reader.js';

/** A loopback server whose handler each test sets. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('createSession (node:http)', () => {
  const servers: Server[] = [];
  after(() => Promise.all(servers.map(closeServer)));

  async function sessionServer(options: SessionOptions, onSession: (session: Session, req: IncomingMessage) => void) {
    const { url, server } = await serve((req, res) => onSession(createSession(req, res, options), req));
    servers.push(server);
    return url;
  }

  test('answers 200 with the event-stream headers and flushes them at once', async () => {
    const url = await sessionServer({ heartbeatMs: 0, headers: { 'X-Extra': 'yes' } }, () => {});
    const stream = await openStream(url);
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(stream.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(stream.headers.connection, 'keep-alive');
    assert.equal(stream.headers['x-accel-buffering'], 'no');
    assert.equal(stream.headers['x-extra'], 'yes');
    await stream.until(() => stream.text().length > 0);
    assert.equal(stream.text(), ': ok\n');
    stream.close();
  });

  test('send, comment and writeFrame arrive as exact bytes, in call order', async () => {
    const url = await sessionServer({ heartbeatMs: 0, retryMs: 2000 }, (session) => {
      session.send({ price: 1 }, { event: 'tick', id: '1' });
      session.comment('note');
      session.writeFrame(new TextEncoder().encode('data: raw\n\n'));
      session.send('a\nb');
    });
    const stream = await openStream(url);
    await stream.until(() => stream.events.length === 3);
    assert.equal(
      stream.text(),
      'retry: 2000\n\n: ok\nevent: tick\nid: 1\ndata: {"price":1}\n\n: note\ndata: raw\n\ndata: a\ndata: b\n\n',
    );
    stream.close();
  });

  test('an invalid event or id throws TypeError before anything is written; sending after close returns false', async () => {
    let session!: Session;
    const url = await sessionServer({ heartbeatMs: 0 }, (s) => {
      session = s;
    });
    const stream = await openStream(url);
    await waitUntil(() => session !== undefined);
    assert.throws(() => session.send('x', { event: 'a\nid: forged' }), TypeError);
    assert.throws(() => session.send('x', { id: 'a\0' }), TypeError);
    session.send('ok');
    await stream.until(() => stream.events.length === 1);
    assert.doesNotMatch(stream.text(), /forged/);
    session.close();
    await stream.ended;
    assert.equal(session.send('late'), false);
    assert.equal(session.comment('late'), false);
    assert.equal(session.closeReason, 'server');
  });

  test('the last event id comes from the header, else the lastEventId query parameter', async () => {
    const seen: (string | undefined)[] = [];
    const url = await sessionServer({ heartbeatMs: 0 }, (s) => {
      seen.push(s.lastEventId);
      s.close();
    });
    await (await openStream(url, { 'Last-Event-ID': 'h-7' })).ended;
    await (await openStream(`${url}?lastEventId=q-8`)).ended;
    await (await openStream(url)).ended;
    assert.deepEqual(seen, ['h-7', 'q-8', undefined]);
  });

  test('heartbeats arrive as comments, announced in the first flush', async () => {
    const url = await sessionServer({ heartbeatMs: 30 }, () => {});
    const stream = await openStream(url);
    await stream.until(() => stream.comments.length >= 3);
    assert.equal(stream.comments[0], 'heartbeat 30');
    stream.close();
  });

  test('a client disconnect aborts the signal, fires close once, and frees the session', async () => {
    let session!: Session;
    let closes = 0;
    const url = await sessionServer({ heartbeatMs: 0 }, (s) => {
      session = s;
      s.on('close', () => closes++);
    });
    const stream = await openStream(url);
    await waitUntil(() => session !== undefined);
    stream.close();
    await waitUntil(() => session.closed);
    assert.equal(session.signal.aborted, true);
    assert.equal(session.closeReason, 'client');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(closes, 1);
  });

  test('1,000 sessions connect and disconnect with nothing left behind', async () => {
    const channel = createChannel();
    const baseSessions = openSessionCount();
    const url = await sessionServer({ heartbeatMs: 10_000 }, (s) => channel.subscribe(s));
    for (let round = 0; round < 10; round++) {
      const streams = await Promise.all(Array.from({ length: 100 }, () => openStream(url)));
      await waitUntil(() => channel.size === 100);
      for (const s of streams) s.close();
      await Promise.all(streams.map((s) => s.ended));
      await waitUntil(() => channel.size === 0);
    }
    await waitUntil(() => openSessionCount() === baseSessions);
    assert.equal(channel.size, 0);
    assert.equal(activeHeartbeatTimers(), 0);
  });

  test("subscribers flushing the same turn's frames share one join; others get exactly their own frames", async () => {
    const channel = createChannel<{ symbol: string }>();
    // A, B, A, A: the join of one subscriber's frames is reused by the next only when the frames are the same.
    const symbols = ['A', 'B', 'A', 'A'];
    const url = await sessionServer({ heartbeatMs: 0 }, (session, req) => {
      const symbol = new URL(req.url ?? '/', 'http://x').searchParams.get('s');
      channel.subscribe(session, { filter: (m) => m.meta?.symbol === symbol || m.meta?.symbol === '*' });
    });
    const streams = [];
    for (const symbol of symbols) streams.push(await openStream(`${url}?s=${symbol}`));
    while (channel.size < symbols.length) await new Promise((r) => setTimeout(r, 5));
    channel.broadcast('all-1', { meta: { symbol: '*' } });
    channel.broadcast('a', { meta: { symbol: 'A' } });
    channel.broadcast('b', { meta: { symbol: 'B' } });
    channel.broadcast('all-2', { meta: { symbol: '*' } });
    for (const stream of streams) await stream.until(() => stream.events.length === 3);
    const a = ': ok\ndata: all-1\n\ndata: a\n\ndata: all-2\n\n';
    const b = ': ok\ndata: all-1\n\ndata: b\n\ndata: all-2\n\n';
    assert.deepEqual(
      streams.map((stream) => stream.text()),
      [a, b, a, a],
    );
    for (const stream of streams) stream.close();
    channel.close();
  });

  test('a paused reader is closed by the slow-consumer policy while others keep receiving', async () => {
    const channel = createChannel();
    const sessions: Session[] = [];
    const url = await sessionServer({ heartbeatMs: 0, maxBufferedBytes: 64 * 1024 }, (s) => {
      sessions.push(s);
      channel.subscribe(s);
    });
    const slow = await openStream(url);
    const fast = await openStream(url);
    await waitUntil(() => channel.size === 2);
    slow.pause();
    const payload = 'x'.repeat(1024);
    let sent = 0;
    while (!sessions[0]!.closed && sent < 20_000) {
      channel.broadcast(payload, { id: String(sent++) });
      if (sent % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(sessions[0]!.closeReason, 'slow-consumer');
    await fast.until(() => fast.events.length === sent, 10_000);
    assert.equal(fast.events.at(-1)?.lastEventId, String(sent - 1));
    fast.close();
    slow.close();
  });

  test("'drop-oldest' keeps a slow reader connected, bounded, and counts what it lost", async () => {
    let session!: Session;
    const url = await sessionServer(
      { heartbeatMs: 0, maxBufferedBytes: 32 * 1024, backpressure: 'drop-oldest' },
      (s) => {
        session = s;
      },
    );
    const slow = await openStream(url);
    await waitUntil(() => session !== undefined);
    slow.pause();
    // Enough to fill the loopback socket buffers (a few MB) many times over.
    const chunk = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 4000 && session.lost === 0; i++) {
      session.send(chunk, { id: String(i) });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      assert.ok(session.bufferedBytes < 32 * 1024 * 4 + 2 * 1024 * 1024, 'memory stays bounded');
    }
    assert.equal(session.closed, false);
    assert.ok(session.lost > 0);
    slow.close();
  });
});

describe('channels', () => {
  test('replay resumes exactly after the Last-Event-ID, for the eventsource package reconnecting', async () => {
    const channel = createChannel({ history: 100 });
    let connections = 0;
    const { url, server } = await serve((req, res) => {
      connections++;
      const session = createSession(req, res, { heartbeatMs: 0, retryMs: 50 });
      channel.subscribe(session);
      // The first connection is cut by the server after three events, so the client reconnects.
      if (connections === 1) {
        for (let i = 1; i <= 3; i++) channel.broadcast({ n: i }, { event: 'tick', id: String(i) });
        setTimeout(() => {
          session.close();
          for (let i = 4; i <= 6; i++) channel.broadcast({ n: i }, { event: 'tick', id: String(i) });
        }, 50);
      }
    });
    try {
      const source = new ThirdPartyEventSource(url);
      const seen: { id: string; n: number }[] = [];
      source.addEventListener('tick', (e) =>
        seen.push({ id: e.lastEventId, n: (JSON.parse(e.data) as { n: number }).n }),
      );
      await waitUntil(() => seen.length === 6);
      source.close();
      assert.deepEqual(
        seen.map((s) => s.n),
        [1, 2, 3, 4, 5, 6],
      );
      assert.equal(connections, 2);
    } finally {
      await closeServer(server);
    }
  });

  test('a filter selects subscribers, and an invalid broadcast reaches nobody', async () => {
    const channel = createChannel<{ symbol: string }>();
    const bodies: Promise<string>[] = [];
    for (const symbol of ['A', 'A', 'B']) {
      const response = sseResponse(new Request('http://localhost/'), {
        heartbeatMs: 0,
        onSession: (session) => channel.subscribe(session, { filter: (m) => m.meta?.symbol === symbol }),
      });
      bodies.push(readUntil(response, 'data: end'));
    }
    assert.throws(() => channel.broadcast('x', { event: 'bad\n' }), TypeError);
    assert.equal(channel.broadcast({ p: 1 }, { meta: { symbol: 'A' } }), 2);
    assert.equal(channel.broadcast({ p: 2 }, { meta: { symbol: 'B' } }), 1);
    channel.broadcast('end', { meta: { symbol: 'A' } });
    channel.broadcast('end', { meta: { symbol: 'B' } });
    const [a1, a2, b] = await Promise.all(bodies);
    assert.equal(a1, ': ok\ndata: {"p":1}\n\ndata: end\n\n');
    assert.equal(a2, a1);
    assert.equal(b, ': ok\ndata: {"p":2}\n\ndata: end\n\n');
    channel.close();
  });
});

/** Reads a Web response body until `marker` has arrived, then cancels it. */
async function readUntil(response: Response, marker: string): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}
