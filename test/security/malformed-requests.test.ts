/**
 * Requests no well-behaved client sends — targets `new URL` refuses, headers past node:http's limit, bytes
 * that are not HTTP — each get a 4xx with the hub's JSON error body, never a 500 or an empty answer.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type RunningHub, SECRET, startHub, token } from '../fixtures/hub.js';
import { type RawResponse, rawExchange, rawGet } from '../fixtures/raw-http.js';

function errorCode(response: RawResponse): string {
  assert.match(response.headers['content-type'] ?? '', /^application\/json/);
  return (JSON.parse(response.body) as { error: { code: string } }).error.code;
}

describe('hub: malformed requests get a 4xx JSON error', () => {
  let running: RunningHub;
  let subscriber: string;
  before(async () => {
    running = await startHub({ allowAnonymous: true, subscriptionsApi: true });
    subscriber = await token({ subscribe: ['*'] });
  });
  after(() => running.close());

  const badTargets = [
    'http://[::1/?authorization=x',
    'http://%zz/',
    '//%zz/',
    'http://[::1/.well-known/mercure?topic=/a',
    'https://exa mple.com/',
  ];
  for (const target of badTargets) {
    test(`the target ${JSON.stringify(target)} gets 400 HOTLINE_HUB_INVALID_URL or a 400 from the parser`, async () => {
      const response = await rawExchange(running.origin, rawGet(target, { Accept: 'application/json' }));
      assert.equal(response.status, 400);
      assert.match(errorCode(response), /^HOTLINE_HUB_(INVALID_URL|BAD_REQUEST)$/);
    });
  }

  test('an absolute-form target with a bad host is the hub refusing it, not the parser', async () => {
    const response = await rawExchange(running.origin, rawGet('http://[::1/?authorization=x'));
    assert.equal(errorCode(response), 'HOTLINE_HUB_INVALID_URL');
  });

  test('a valid absolute-form target is served like its origin form', async () => {
    const response = await rawExchange(running.origin, rawGet('http://elsewhere.example/healthz'));
    assert.equal(response.status, 200);
  });

  for (const path of ['%zz', 'a/%E0%A4', '%ED%A0%80/sub']) {
    test(`the subscriptions path /${path} with a bad escape gets 400 HOTLINE_HUB_INVALID_URL`, async () => {
      const response = await rawExchange(
        running.origin,
        rawGet(`/.well-known/mercure/subscriptions/${path}`, { Authorization: `Bearer ${subscriber}` }),
      );
      assert.equal(response.status, 400);
      assert.equal(errorCode(response), 'HOTLINE_HUB_INVALID_URL');
    });
  }

  test('headers past node:http maxHeaderSize get 431 HOTLINE_HUB_HEADERS_TOO_LARGE with a JSON body', async () => {
    const response = await rawExchange(
      running.origin,
      rawGet('/healthz', { Authorization: `Bearer ${'a'.repeat(65536)}` }),
    );
    assert.equal(response.status, 431);
    assert.equal(errorCode(response), 'HOTLINE_HUB_HEADERS_TOO_LARGE');
    assert.match(JSON.parse(response.body).error.message, /16384 bytes/);
  });

  const notHttp: [string, string][] = [
    ['a line that is not a request', 'GARBAGE\r\n\r\n'],
    ['a control character in the target', 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost x\r\n\r\n'],
    [
      'an invalid chunk size',
      'POST /.well-known/mercure HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ],
    [
      'two Content-Length headers that disagree',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    ],
  ];
  for (const [name, request] of notHttp) {
    test(`${name} gets 400 HOTLINE_HUB_BAD_REQUEST with a JSON body`, async () => {
      const response = await rawExchange(running.origin, request);
      assert.equal(response.status, 400);
      assert.equal(errorCode(response), 'HOTLINE_HUB_BAD_REQUEST');
    });
  }

  test('CONNECT (the hub is no proxy) gets 405 with a JSON body instead of a dropped connection', async () => {
    const response = await rawExchange(
      running.origin,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );
    assert.equal(response.status, 405);
    assert.equal(errorCode(response), 'HOTLINE_HUB_METHOD_NOT_ALLOWED');
  });

  test('a request with Expect: 100-continue gets its final status after the interim 100', async () => {
    const response = await rawExchange(
      running.origin,
      'POST /.well-known/mercure HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    assert.equal(response.status, 401);
  });

  test('headers that do not arrive in time get 408 HOTLINE_HUB_REQUEST_TIMEOUT with a JSON body', async () => {
    const slow = await startHub({ allowAnonymous: true, headersTimeoutMs: 200 });
    try {
      const response = await rawExchange(slow.origin, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
      assert.equal(response.status, 408);
      assert.equal(errorCode(response), 'HOTLINE_HUB_REQUEST_TIMEOUT');
    } finally {
      await slow.close();
    }
  });

  test('garbage sent after a stream started closes the connection without writing into the stream', async () => {
    const { port } = new URL(running.origin);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk;
    });
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      rawGet('/.well-known/mercure?topic=/stream', { Accept: 'text/event-stream' }).replace('close', 'keep-alive'),
    );
    while (!received.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!received.includes('\r\n0\r\n\r\n'), `the stream is still open: ${JSON.stringify(received)}`);
    socket.write('GARBAGE\r\n\r\n');
    await closed;
    assert.match(received, /^HTTP\/1\.1 200/);
    assert.equal(
      received.indexOf('HTTP/1.1', 1),
      -1,
      `a second status line was written into the stream: ${JSON.stringify(received)}`,
    );
  });

  test('a signed token whose mercure.payload nests 5,000 deep gets 401, not a 500 when it is serialized', async () => {
    // Signed by hand: jose's own JSON.stringify overflows on such a payload, and that is the point.
    const claims = `{"mercure":{"subscribe":["*"],"payload":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const unsigned = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(claims).toString('base64url')}`;
    const deep = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
    for (const target of ['/.well-known/mercure/subscriptions', '/.well-known/mercure?topic=/a']) {
      const response = await rawExchange(running.origin, rawGet(target, { Authorization: `Bearer ${deep}` }));
      assert.equal(response.status, 401, target);
      assert.match(JSON.parse(response.body).error.message, /payload claim nests deeper than 128/);
    }
  });

  test('a publish whose client resets mid-body is logged as aborted, not as an internal error', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const hub = await startHub({ logger: pino({ level: 'debug' }, sink) });
    try {
      const socket = connect(Number(new URL(hub.origin).port), '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST /.well-known/mercure HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${await token({ publish: ['*'] })}\r\n` +
          'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntopic=/a&data=',
      );
      // Reset once the hub is reading the body (if it came sooner, no line would ever be logged: the test hangs).
      await new Promise((r) => setTimeout(r, 50));
      socket.resetAndDestroy();
      while (!lines.some((l) => l.includes('request aborted by the client')))
        await new Promise((r) => setTimeout(r, 5));
      assert.ok(!lines.some((l) => l.includes('internal error')));
      const metrics = await (await fetch(`${hub.origin}/metrics`)).text();
      assert.doesNotMatch(metrics, /hotline_rejected_requests_total\{status="500"\}/);
    } finally {
      await hub.close();
    }
  });

  test('the hub still serves after all of the above', async () => {
    assert.equal((await fetch(`${running.origin}/healthz`)).status, 200);
  });
});
