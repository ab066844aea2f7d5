/**
 * The client's errors say what happened, where and why, through a real hub: an `HttpError` carries the
 * hub's `{error:{code,message}}` and the URL, a `NetworkError` the URL and the cause — and neither repeats a
 * token that was in the URL.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { describeCause, redactUrl } from '../../src/client/error-context.js';
import { connect, EventSource, HttpError, NetworkError } from '../../src/client/index.js';
import { type RunningHub, startHub, token } from '../fixtures/hub.js';

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('client errors through a real hub', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({ allowAnonymous: false });
  });
  after(() => running?.close());

  test('a refused subscribe is an HttpError with the hub’s code and message and the URL', async () => {
    const url = `${running.endpoint}?topic=/private/x`;
    const error = await connect(url).done.then(
      () => assert.fail('the subscribe should be refused'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, 401);
    assert.equal(error.code, 'HOTLINE_CLIENT_HTTP_ERROR');
    assert.equal(error.serverCode, 'HOTLINE_HUB_UNAUTHORIZED');
    assert.equal(typeof error.serverMessage, 'string');
    assert.deepEqual(error.reason, { code: error.serverCode, message: error.serverMessage });
    assert.equal(error.url, url);
    assert.equal(error.message, `the server at ${url} answered 401: ${error.serverMessage} (HOTLINE_HUB_UNAUTHORIZED)`);
  });

  test('a token in the query is redacted from the error’s URL and message', async () => {
    const jwt = await token({ subscribe: ['/other'] }, 'not-the-hub-secret-but-long-enough-for-hs256');
    const url = `${running.endpoint}?topic=/x&authorization=${jwt}`;
    const error = await connect(url).done.then(
      () => assert.fail('the subscribe should be refused'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, 401);
    assert.equal(error.url, `${running.endpoint}?topic=%2Fx&authorization=redacted`);
    assert.ok(!error.message.includes(jwt.split('.')[2]!), error.message);
    assert.ok(!error.url.includes(jwt.split('.')[2]!));
  });

  test('a hub that is not there is a NetworkError naming the URL and the cause', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/.well-known/mercure?topic=/x`;
    const error = await connect(url, { reconnect: false }).done.then(
      () => assert.fail('the connection should fail'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof NetworkError, String(error));
    assert.equal(error.code, 'HOTLINE_CLIENT_NETWORK_ERROR');
    assert.equal(error.url, url);
    assert.ok(error.cause instanceof Error, 'the fetch failure is kept as the cause');
    assert.match(
      error.message,
      new RegExp(`^the connection could not be made \\(${escapeRegExp(url)}\\): .*ECONNREFUSED`),
    );
  });

  test('a stream the hub ends is a NetworkError naming the URL', async () => {
    const hub = await startHub({ allowAnonymous: true });
    const url = `${hub.endpoint}?topic=/ends`;
    const retries: unknown[] = [];
    const connection = connect(url, {
      reconnect: { maxAttempts: 1, minDelayMs: 1, maxDelayMs: 1 },
      onOpen: async () => {
        // The stream is open: end it from the hub's side.
        setImmediate(() => void hub.close());
      },
      onRetry: (error) => retries.push(error),
    });
    const final = await connection.done.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const ended = [...retries, (final as { cause?: unknown } | undefined)?.cause].find(
      (e): e is NetworkError => e instanceof NetworkError,
    );
    assert.ok(ended !== undefined, `a NetworkError among ${String(retries)} / ${String(final)}`);
    assert.equal(ended.url, url);
    assert.ok(ended.message.includes(url), ended.message);
  });

  test('a page that is not an event stream names its content type and URL', async () => {
    const url = `${running.origin}/healthz`;
    const error = await connect(url).done.then(
      () => assert.fail('a JSON page is not a stream'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof NetworkError, String(error));
    assert.equal(error.code, 'HOTLINE_CLIENT_BAD_CONTENT_TYPE');
    assert.equal(error.url, url);
    assert.match(error.message, /^the response is ".*", not text\/event-stream \(http:/);
  });

  test('EventSource: errors name the URL too', async () => {
    const url = `${running.endpoint}?topic=/private/y`;
    const source = new EventSource(url);
    try {
      await new Promise<void>((resolve) => source.addEventListener('error', () => resolve(), { once: true }));
      assert.equal(source.readyState, source.CLOSED);
    } finally {
      source.close();
    }
  });
});

describe('error context', () => {
  test('redactUrl takes out credential parameters and userinfo, and leaves other URLs alone', () => {
    assert.equal(
      redactUrl('https://user:pw@hub.example/.well-known/mercure?topic=a&authorization=x.y.z&access_token=t'),
      'https://redacted@hub.example/.well-known/mercure?topic=a&authorization=redacted&access_token=redacted',
    );
    assert.equal(redactUrl('http://127.0.0.1:3000/x?topic=%2Fa'), 'http://127.0.0.1:3000/x?topic=%2Fa');
    assert.equal(redactUrl('/relative?authorization=x'), '/relative?authorization=x');
  });

  test('describeCause finds the innermost message and its code, within five levels, without looping', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(describeCause(new TypeError('fetch failed', { cause: root })), 'connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(
      describeCause(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
      'ECONNRESET: socket hang up',
    );
    const loop: Error & { cause?: unknown } = new Error('a');
    loop.cause = loop;
    assert.equal(describeCause(loop), 'a');
    assert.equal(describeCause('plain'), 'plain');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
