import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { connect, EventSource } from '../../src/client/index.js';
import { createParser } from '../../src/protocol/parse.js';
import { cursorSafeFrames, withoutIdField } from '../../src/server/conflation-cursor.js';
import {
  acceptResponse,
  acceptSession,
  createSession,
  encodeEvent,
  type FramePolicy,
  type Session,
  StreamRejection,
  sseResponse,
} from '../../src/server/index.js';
import { openStream } from '../fixtures/sse-reader.js';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** A conflating session (4 KB budget) and a slow reader of it that takes only the chunks it is told to. */
function conflatingStream(onChunk: (chunk: Uint8Array) => void) {
  let session!: Session;
  const response = sseResponse(new Request('http://localhost/'), {
    heartbeatMs: 0,
    backpressure: 'conflate',
    maxBufferedBytes: 4096,
    onSession: (s) => {
      session = s;
    },
  });
  return { session, reader: slowReader(response.body!, onChunk) };
}

/** A reader that takes only as many chunks as it is told, each turn: a property test's slow consumer. */
function slowReader(body: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void) {
  const reader = body.getReader();
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  return {
    /** Reads up to `count` chunks that are ready this turn (0: the reader lags). */
    async take(count: number) {
      for (let i = 0; i < count; i++) {
        // A read that does not finish this turn stays pending and is awaited next time, never dropped.
        pending ??= reader.read();
        const chunk = await Promise.race([pending, new Promise<undefined>((r) => setImmediate(() => r(undefined)))]);
        if (chunk === undefined) return;
        pending = undefined;
        if (chunk.value) onChunk(chunk.value);
      }
    },
    /** Reads everything up to the end of the stream. */
    async drain() {
      for (;;) {
        const { done, value } = await (pending ?? reader.read());
        pending = undefined;
        if (done) return;
        onChunk(value);
      }
    },
  };
}

describe("conflation: the 'conflate' policy", () => {
  test('for any interleaving and reader speed, a slow reader ends with the last value of every key', async () => {
    let conflated = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('ACME', 'GLOBEX', 'INITECH', 'UMBRELLA'),
            fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 1, 3),
          ),
          // Long enough runs that a reader which mostly does not read falls far behind.
          { minLength: 40, maxLength: 300 },
        ),
        async (steps) => {
          const { session, reader } = conflatingStream((chunk) => parser.feed(chunk));
          const seen = new Map<string, number>();
          const parser = createParser({
            onEvent: (e) => {
              const { k, v } = JSON.parse(e.data) as { k: string; v: number };
              seen.set(k, v);
            },
          });
          const last = new Map<string, number>();
          const pad = 'x'.repeat(2000);
          for (const [index, [key, reads]] of steps.entries()) {
            session.send({ k: key, v: index, pad }, { key });
            last.set(key, index);
            // Yield so queued frames are flushed, then let the reader take `reads` chunks (0: it lags).
            await new Promise((r) => setImmediate(r));
            await reader.take(reads);
          }
          session.end();
          await reader.drain();
          assert.deepEqual(new Map([...seen].sort()), new Map([...last].sort()));
          assert.ok(!session.closed || session.closeReason === 'server', 'never disconnected for being slow');
          conflated += session.lost;
        },
      ),
      { numRuns: 60 },
    );
    assert.ok(conflated > 0, 'the runs did make the reader lag, so values were actually replaced');
  });
});

describe('conflation keeps resume by id safe', () => {
  test('for any interleaving, a connection broken after any event resumes (log replay after the last id) to the last value of every key', async () => {
    let stripped = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C', 'D'), fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 1, 3)), {
          minLength: 40,
          maxLength: 300,
        }),
        async (steps) => {
          const { session, reader } = conflatingStream((chunk) => parser.feed(chunk));
          // What the client knows after each event it received: its cursor and the value of each key.
          const states: { cursor: number; values: Map<string, number> }[] = [];
          const values = new Map<string, number>();
          const parser = createParser({
            onEvent: (e) => {
              const { k, v } = JSON.parse(e.data) as { k: string; v: number };
              values.set(k, v);
              if (e.lastEventId !== String(v)) stripped++;
              states.push({ cursor: e.lastEventId === '' ? -1 : Number(e.lastEventId), values: new Map(values) });
            },
          });
          const log: { k: string; v: number }[] = [];
          const pad = 'x'.repeat(2000);
          for (const [v, [k, reads]] of steps.entries()) {
            session.send({ k, v, pad }, { key: k, id: String(v) });
            log.push({ k, v });
            await new Promise((r) => setImmediate(r));
            await reader.take(reads);
          }
          session.end();
          await reader.drain();
          const last = new Map(log.map(({ k, v }) => [k, v]));
          for (const { cursor, values: before } of states) {
            // The hub's resume: everything published after the cursor, in publish order.
            const resumed = new Map(before);
            for (const { k, v } of log) if (v > cursor) resumed.set(k, v);
            assert.deepEqual(new Map([...resumed].sort()), new Map([...last].sort()), `broken after cursor ${cursor}`);
          }
        },
      ),
      { numRuns: 60 },
    );
    assert.ok(stripped > 0, 'some conflated values overtook older ones and were sent without their id');
  });

  test('withoutIdField drops only id lines, whatever the line terminators', () => {
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
    assert.equal(text(withoutIdField(Buffer.from('event: p\nid: 7\ndata: id: 8\n\n'))), 'event: p\ndata: id: 8\n\n');
    assert.equal(text(withoutIdField(Buffer.from('id\r\ndata: x\r\n\r\n'))), 'data: x\r\n\r\n');
    assert.equal(text(withoutIdField(Buffer.from('idx: 1\rid:9\rdata: x\r\r'))), 'idx: 1\rdata: x\r\r');
    assert.deepEqual(
      cursorSafeFrames([
        { frame: Buffer.from('id: 5\ndata: a\n\n'), seq: 5 },
        { frame: Buffer.from('id: 2\ndata: b\n\n'), seq: 2 },
        { frame: Buffer.from('id: 6\ndata: c\n\n'), seq: 6 },
      ]).map(text),
      ['data: a\n\n', 'id: 2\ndata: b\n\n', 'id: 6\ndata: c\n\n'],
    );
  });
});

describe('frame policies: several budgets in one session', () => {
  /** A Web session whose reader reads nothing until `drain()`. */
  function unreadSession() {
    let session!: Session;
    const response = sseResponse(new Request('http://localhost/'), {
      heartbeatMs: 0,
      maxBufferedBytes: 4096,
      onSession: (s) => {
        session = s;
      },
    });
    const reader = response.body!.getReader();
    const values = new Map<string, number>();
    const parser = createParser({
      onEvent: (e) => {
        const { k, v } = JSON.parse(e.data) as { k: string; v: number };
        values.set(k, v);
      },
    });
    return {
      session,
      values,
      async drain() {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          parser.feed(value);
        }
      },
    };
  }
  const turn = () => new Promise((r) => setImmediate(r));
  const pad = 'x'.repeat(1000);

  test("frames written with a 'conflate' policy are conflated while the session keeps 'close' for the rest", async () => {
    const ticker: FramePolicy = { backpressure: 'conflate', maxBufferedBytes: 4096 };
    const { session, drain } = unreadSession();
    for (let v = 0; v < 2000; v++) {
      const k = `K${v % 10}`;
      session.writeFrame(encodeEvent({ data: { k, v, pad } }), k, ticker);
      if (v % 50 === 0) await turn();
    }
    assert.equal(session.closed, false, 'the conflated traffic never closes the session');
    assert.ok(session.lost > 0, 'values were replaced while the reader lagged');
    // The session's own 'close' policy still holds for everything else.
    for (let i = 0; i < 40 && !session.closed; i++) session.send({ k: 'other', v: i, pad });
    assert.equal(session.closeReason, 'slow-consumer');
    await drain().catch(() => {});
  });

  test('a reader that catches up gets the last value of every key', async () => {
    const ticker: FramePolicy = { backpressure: 'conflate', maxBufferedBytes: 4096 };
    const { session, values, drain } = unreadSession();
    const last = new Map<string, number>();
    for (let v = 0; v < 2000; v++) {
      const k = `K${v % 10}`;
      session.writeFrame(encodeEvent({ data: { k, v, pad } }), k, ticker);
      last.set(k, v);
      if (v % 50 === 0) await turn();
    }
    session.end();
    await drain();
    assert.deepEqual(new Map([...values].sort()), new Map([...last].sort()));
  });

  test('so many keys that one value each passes 4 × the budget closes the session instead of growing', async () => {
    const byId: FramePolicy = { backpressure: 'conflate', maxBufferedBytes: 4096 };
    const { session, drain } = unreadSession();
    for (let v = 0; v < 2000 && !session.closed; v++) {
      session.writeFrame(encodeEvent({ data: { k: `id-${v}`, v, pad } }), `id-${v}`, byId);
      if (v % 50 === 0) await turn();
    }
    assert.equal(session.closeReason, 'slow-consumer');
    await drain().catch(() => {});
  });
});

describe('liveness and clean ends', () => {
  test('a write that makes no progress for writeTimeoutMs closes a half-open session', async () => {
    let session!: Session;
    const { url, server } = await serve((req, res) => {
      session = createSession(req, res, { heartbeatMs: 0, writeTimeoutMs: 200, maxBufferedBytes: 64 * 1024 * 1024 });
    });
    try {
      const stream = await openStream(url);
      while (session === undefined) await new Promise((r) => setTimeout(r, 5));
      stream.pause(); // the peer stops reading but keeps the connection open
      const chunk = 'z'.repeat(64 * 1024);
      for (let i = 0; i < 400 && !session.closed; i++) {
        session.send(chunk);
        await new Promise((r) => setImmediate(r));
      }
      while (!session.closed) await new Promise((r) => setTimeout(r, 20));
      assert.equal(session.closeReason, 'write-timeout');
      stream.close();
    } finally {
      await stop(server);
    }
  });

  test('end(final) sends a last event and closes; answering 204 next stops EventSource and connect() for good', async () => {
    let attempts = 0;
    const { url, server } = await serve((req, res) => {
      attempts++;
      if (attempts > 1) {
        res.writeHead(204).end();
        return;
      }
      const session = createSession(req, res, { heartbeatMs: 0, retryMs: 10 });
      session.send('work');
      session.end({ data: 'done', event: 'end' });
    });
    try {
      const events: string[] = [];
      const connection = connect(url, {
        reconnect: { minDelayMs: 1, maxDelayMs: 5 },
        onEvent: (e) => events.push(`${e.type}:${e.data}`),
      });
      await connection.done;
      assert.deepEqual(events, ['message:work', 'end:done']);
      assert.equal(attempts, 2);

      const source = new EventSource(url);
      let errors = 0;
      source.onerror = () => errors++;
      while (source.readyState !== EventSource.CLOSED) await new Promise((r) => setTimeout(r, 5));
      assert.equal(errors, 1);
    } finally {
      await stop(server);
    }
  });
});

describe('status before the first byte', () => {
  test('acceptSession answers a refusal with its real status and JSON, and opens the stream otherwise', async () => {
    const { url, server } = await serve(async (req, res) => {
      const session = await acceptSession(req, res, {
        heartbeatMs: 0,
        authorize: (request) => {
          if (request.headers.authorization !== 'Bearer ok') throw new StreamRejection(401, 'a token is required');
        },
      });
      session?.send('welcome');
    });
    try {
      const refused = await fetch(url);
      assert.equal(refused.status, 401);
      assert.deepEqual(await refused.json(), {
        error: { code: 'HOTLINE_STREAM_REJECTED', message: 'a token is required' },
      });
      const stream = await openStream(url, { Authorization: 'Bearer ok' });
      await stream.until(() => stream.events.length === 1);
      assert.equal(stream.events[0]?.data, 'welcome');
      stream.close();
      // EventSource treats the refusal as final: one request, CLOSED.
      const source = new EventSource(url);
      while (source.readyState !== EventSource.CLOSED) await new Promise((r) => setTimeout(r, 5));
    } finally {
      await stop(server);
    }
  });

  test('acceptResponse does the same for Web runtimes', async () => {
    const refused = await acceptResponse(new Request('http://localhost/private'), {
      onSession: () => {},
      authorize: () => {
        throw new StreamRejection(404, 'no such feed');
      },
    });
    assert.equal(refused.status, 404);
    assert.equal(((await refused.json()) as { error: { message: string } }).error.message, 'no such feed');
    const accepted = await acceptResponse(new Request('http://localhost/feed'), {
      heartbeatMs: 0,
      onSession: (s) => s.end({ data: 'hi' }),
      authorize: () => {},
    });
    assert.equal(accepted.status, 200);
    assert.equal(await accepted.text(), ': ok\ndata: hi\n\n');
  });
});
