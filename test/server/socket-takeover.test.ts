import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { createParser } from '../../src/protocol/parse.js';
import { setSocketTakeover, takenOverSocketCount } from '../../src/server/adapters/node-takeover.js';
import { createSession, type Session, type SessionOptions } from '../../src/server/index.js';
import { openStream } from '../fixtures/sse-reader.js';

const run = promisify(execFile);

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A node:http server whose every request opens a session; the test gets the sessions. */
async function sessionServer(options: SessionOptions = {}) {
  const sessions: Session[] = [];
  const requests: WeakRef<IncomingMessage>[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(new WeakRef(req));
    sessions.push(createSession(req, res, { heartbeatMs: 0, ...options }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, sessions, requests, port, url: `http://127.0.0.1:${port}/` };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Raw bytes of a request on a plain socket, and everything the server sends back. */
function rawRequest(port: number, head: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  socket.write(head);
  return { socket, received: () => text, closed: once(socket, 'close').then(() => {}) };
}

describe('socket takeover (node:http, HTTP/1.1)', () => {
  const servers: Server[] = [];
  after(() => Promise.all(servers.map(stop)));

  test('the socket leaves node:http after the head; events arrive as chunks node parses, same headers', async () => {
    const s = await sessionServer();
    servers.push(s.server);
    const stream = await openStream(s.url);
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    assert.equal(stream.headers['transfer-encoding'], 'chunked');
    assert.equal(stream.headers.connection, 'keep-alive');
    assert.equal(stream.headers['content-type'], 'text/event-stream; charset=utf-8');
    s.sessions[0]!.send({ n: 1 }, { id: '1' });
    s.sessions[0]!.send('two\nlines', { event: 'x' });
    await stream.until(() => stream.events.length === 2);
    assert.deepEqual(
      stream.events.map((e) => [e.type, e.data, e.lastEventId]),
      [
        ['message', '{"n":1}', '1'],
        ['x', 'two\nlines', '1'],
      ],
    );
    stream.close();
  });

  test('the wire: chunk framing byte for byte; the last chunk on close by the server, and the connection serves the next request', async () => {
    const s = await sessionServer();
    servers.push(s.server);
    const raw = rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    s.sessions[0]!.send('hi');
    await waitUntil(() => raw.received().includes('data: hi'));
    s.sessions[0]!.close();
    await waitUntil(() => raw.received().endsWith('0\r\n\r\n'));
    const body = raw.received().split('\r\n\r\n').slice(1).join('\r\n\r\n');
    assert.equal(body, '5\r\n: ok\n\r\na\r\ndata: hi\n\n\r\n0\r\n\r\n');
    assert.equal(s.sessions[0]!.closeReason, 'server');
    assert.equal(takenOverSocketCount(s.server), 0);
    // Keep-alive: node:http has the connection back and answers the next request on it, a stream again.
    const first = raw.received().length;
    raw.socket.write('GET /again HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => s.sessions.length === 2 && takenOverSocketCount(s.server) === 1);
    s.sessions[1]!.send('again');
    s.sessions[1]!.close();
    await waitUntil(() => raw.received().slice(first).endsWith('0\r\n\r\n'));
    assert.match(raw.received().slice(first), /^HTTP\/1\.1 200 OK\r\n[\s\S]*data: again\n\n\r\n0\r\n\r\n$/);
    raw.socket.end();
    await raw.closed;
  });

  test("a node client's pooled keep-alive connection is reused after a stream ends, without a reset", async () => {
    const s = await sessionServer();
    servers.push(s.server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 5; i++) {
        const body = readBody(s.url, {}, agent);
        await waitUntil(() => s.sessions.length === i + 1 && takenOverSocketCount(s.server) === 1);
        s.sessions[i]!.send(`n${i}`);
        s.sessions[i]!.close();
        assert.match((await body).toString(), new RegExp(`data: n${i}\n\n$`));
      }
      const count = await new Promise<number>((resolve, reject) =>
        s.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
      );
      assert.equal(count, 1, 'all five streams used one connection');
    } finally {
      agent.destroy();
    }
  });

  test('server.close() closes a connection handed back after its stream, as it closes an idle keep-alive one', async () => {
    const s = await sessionServer();
    const agent = new Agent({ keepAlive: true });
    try {
      const body = readBody(s.url, {}, agent);
      await waitUntil(() => takenOverSocketCount(s.server) === 1);
      s.sessions[0]!.close();
      await body;
      // No closeAllConnections: close() alone must find the handed-back connection idle and close it.
      await new Promise((resolve) => s.server.close(resolve));
    } finally {
      agent.destroy();
    }
  });

  test('a client that closes ends the session with reason client; its FIN alone does too', async () => {
    const s = await sessionServer();
    servers.push(s.server);
    const stream = await openStream(s.url);
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    stream.close();
    await waitUntil(() => s.sessions[0]!.closed);
    assert.equal(s.sessions[0]!.closeReason, 'client');

    const raw = rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    raw.socket.end();
    await raw.closed;
    await waitUntil(() => s.sessions[1]!.closed);
    assert.equal(s.sessions[1]!.closeReason, 'client');
  });

  test('closeAllConnections cuts taken-over streams, and server.close() then completes', async () => {
    const s = await sessionServer();
    const streams = await Promise.all([openStream(s.url), openStream(s.url)]);
    await waitUntil(() => takenOverSocketCount(s.server) === 2);
    await stop(s.server);
    await Promise.all(streams.map((stream) => stream.ended));
    assert.ok(s.sessions.every((session) => session.closed));
  });

  test('backpressure: a reader that stops reading gets drain-paced writes, then the write timeout', async () => {
    const s = await sessionServer({ writeTimeoutMs: 300, maxBufferedBytes: 64 * 1024 * 1024 });
    servers.push(s.server);
    const raw = rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    raw.socket.pause();
    const session = s.sessions[0]!;
    const big = 'x'.repeat(64 * 1024);
    // Fill the kernel buffers until the socket says stop and the session waits for drain.
    for (let i = 0; i < 200 && session.bufferedBytes < 4 * 1024 * 1024; i++) {
      session.send(big);
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(session.bufferedBytes > 0);
    await waitUntil(() => session.closed);
    assert.equal(session.closeReason, 'write-timeout');
    // Reading again, the client finds the connection dropped (a paused socket would never see it).
    raw.socket.resume();
    await raw.closed;
  });

  test('backpressure: a reader that reads again drains everything, in order', async () => {
    const s = await sessionServer({ maxBufferedBytes: 64 * 1024 * 1024 });
    servers.push(s.server);
    const stream = await openStream(s.url);
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    stream.pause();
    const session = s.sessions[0]!;
    const big = 'y'.repeat(32 * 1024);
    for (let i = 0; i < 100; i++) {
      session.send(big, { id: String(i) });
      await new Promise((r) => setImmediate(r));
    }
    stream.resume();
    await stream.until(() => stream.events.length === 100, 10_000);
    assert.deepEqual(
      stream.events.map((e) => e.lastEventId),
      Array.from({ length: 100 }, (_, i) => String(i)),
    );
    stream.close();
  });

  test('heartbeats go out on a taken-over socket', async () => {
    const s = await sessionServer({ heartbeatMs: 50 });
    servers.push(s.server);
    const stream = await openStream(s.url);
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    await stream.until(() => stream.comments.filter((c) => c === '').length >= 2);
    stream.close();
  });

  test('gzip: the compressed stream is framed as chunks and ends with the gzip trailer', async () => {
    const s = await sessionServer({ compression: true });
    servers.push(s.server);
    const raw = rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n');
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    s.sessions[0]!.send('zipped');
    await new Promise((r) => setTimeout(r, 50));
    s.sessions[0]!.close();
    await waitUntil(() => raw.received().endsWith('0\r\n\r\n'));
    raw.socket.destroy();
    const [head, ...rest] = raw.received().split('\r\n\r\n');
    assert.match(head!, /content-encoding: gzip/i);
    const body = Buffer.from(rest.join('\r\n\r\n'), 'latin1');
    assert.equal(gunzipSync(dechunk(body)).toString(), ': ok\ndata: zipped\n\n');
  });

  test('curl reads a taken-over stream to its clean end', async () => {
    const s = await sessionServer();
    servers.push(s.server);
    setTimeout(async () => {
      await waitUntil(() => takenOverSocketCount(s.server) === 1);
      s.sessions[0]!.send('for curl');
      s.sessions[0]!.close();
    }, 0);
    const { stdout } = await run('curl', ['-sS', '-N', '--max-time', '5', s.url]);
    assert.equal(stdout, ': ok\ndata: for curl\n\n');
  });

  test('the request is freed while the stream stays open', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const s = await sessionServer();
    servers.push(s.server);
    const stream = await openStream(s.url);
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    if (gc !== undefined) {
      // deref() keeps its target alive to the end of the job: collect in a job of its own, then look.
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 10));
        gc();
        await new Promise((r) => setTimeout(r, 10));
        if (s.requests[0]!.deref() === undefined) break;
      }
      assert.equal(s.requests[0]!.deref(), undefined, 'the IncomingMessage of a taken-over stream is collected');
    }
    assert.equal(s.sessions[0]!.closed, false);
    stream.close();
  });

  test("node:http's timeouts (server.timeout, headers/request/keep-alive) never cut a taken-over stream", async () => {
    const sessions: Session[] = [];
    const server = createServer(
      { requestTimeout: 150, headersTimeout: 100, keepAliveTimeout: 100, connectionsCheckingInterval: 25 },
      (req, res) => sessions.push(createSession(req, res, { heartbeatMs: 0 })),
    );
    server.timeout = 100;
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stream = await openStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await waitUntil(() => takenOverSocketCount(server) === 1);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(sessions[0]!.closed, false);
    sessions[0]!.send('still open');
    await stream.until(() => stream.events.length === 1);
    stream.close();
  });

  test('property: any events, in any turns, plain or gzip, arrive as sent through the chunk framing', async () => {
    const s = await sessionServer({ compression: true });
    servers.push(s.server);
    const data = fc.string({ unit: 'grapheme', maxLength: 300 }).map((text) => text.replace(/\r/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(data, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (turns, gzip) => {
          const before = s.sessions.length;
          const body = readBody(s.url, { 'Accept-Encoding': gzip ? 'gzip' : 'identity' });
          await waitUntil(() => s.sessions.length === before + 1 && takenOverSocketCount(s.server) === 1);
          const session = s.sessions[before]!;
          const sent: string[] = [];
          for (const turn of turns) {
            for (const text of turn) {
              session.send(text);
              sent.push(text);
            }
            await new Promise((r) => setImmediate(r));
          }
          session.close();
          const bytes = await body;
          const received: string[] = [];
          createParser({ onEvent: (event) => received.push(event.data) }).feed(gzip ? gunzipSync(bytes) : bytes);
          assert.deepEqual(received, sent);
        },
      ),
      { numRuns: 25 },
    );
  });

  test('a response whose write a middleware wrapped (e.g. compression) stays on node:http and keeps its wrapper', async () => {
    const sessions: Session[] = [];
    const server = createServer((req, res) => {
      // What express's compression() does: the instance's write is replaced, its bytes transformed.
      const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
      res.write = ((chunk: Uint8Array) =>
        write(Buffer.from(Buffer.from(chunk).toString().toUpperCase()))) as typeof res.write;
      sessions.push(createSession(req, res, { heartbeatMs: 0 }));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stream = await openStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await stream.until(() => stream.text().length > 0);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(takenOverSocketCount(server), 0);
    sessions[0]!.send('shout');
    await stream.until(() => stream.text().includes('DATA: SHOUT'));
    stream.close();
  });

  test('bytes a client sends on a taken-over stream (garbage, or a pipelined request) close it, never taken for a request', async () => {
    const s = await sessionServer();
    servers.push(s.server);
    const raw = rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => takenOverSocketCount(s.server) === 1);
    // The server cuts the connection mid-write: the client's write then fails, as it should.
    raw.socket.on('error', () => {});
    raw.closed.catch(() => {}); // events.once rejects on that error; the close below is what counts
    const closed = new Promise((resolve) => raw.socket.once('close', resolve));
    raw.socket.write(Buffer.alloc(1024 * 1024, 'GET / HTTP/1.1\r\n'));
    await closed;
    await waitUntil(() => s.sessions[0]!.closed);
    assert.equal(s.sessions.length, 1, 'nothing the client sent was taken for a request');
    assert.equal(raw.received().indexOf('HTTP/1.1', 1), -1, 'no second status line was written into the stream');
  });

  test('HEAD and takeover switched off stay on node:http, as before', async () => {
    const s = await sessionServer();
    servers.push(s.server);
    const previous = setSocketTakeover(false);
    try {
      const stream = await openStream(s.url);
      await stream.until(() => stream.text().length > 0);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(takenOverSocketCount(s.server), 0);
      s.sessions[0]!.send('still here');
      await stream.until(() => stream.events.length === 1);
      stream.close();
    } finally {
      setSocketTakeover(previous);
    }
    // node:http sends a HEAD response's head only at its end: it never has a body to take over.
    const head = rawRequest(s.port, 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => s.sessions.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(takenOverSocketCount(s.server), 0);
    s.sessions[1]!.close();
    await waitUntil(() => head.received().includes('\r\n\r\n'));
    head.socket.destroy();
  });
});

/** The body of a chunked response (complete, with its last chunk). */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The whole body of a GET, as bytes (node's client undoes the chunking, not the compression). */
function readBody(url: string, headers: Record<string, string>, agent?: Agent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ...(agent === undefined ? {} : { agent }) }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
