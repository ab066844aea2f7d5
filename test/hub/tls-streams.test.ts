/**
 * Streams that share one HTTP/2 connection stay independent: a stream the client resets frees its place,
 * and a stream whose reader stalls (HTTP/2 flow control: its window stays shut) is closed at the hub's
 * byte budget, or after writeTimeoutMs below it, while its neighbours on the same connection keep receiving.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type ClientHttp2Stream, connect, type IncomingHttpHeaders } from 'node:http2';
import { describe, test } from 'node:test';
import { createHub, type Hub } from '../../src/hub/hub.js';
import type { HubOptions } from '../../src/hub/options.js';
import { SECRET } from '../fixtures/hub.js';
import { waitUntil } from '../fixtures/sse-test-server.js';
import { selfSignedCertificate } from '../fixtures/tls.js';

async function withHttp2Hub(
  options: HubOptions,
  use: (hub: Hub, open: (topic: string) => Promise<ClientHttp2Stream>) => Promise<void>,
): Promise<void> {
  const cert = selfSignedCertificate();
  const hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, heartbeatMs: 0, ...options });
  const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
  const session = connect(`https://localhost:${port}`, { ca: cert.cert, settings: { initialWindowSize: 16_384 } });
  const open = async (topic: string) => {
    const stream = session.request({ ':path': `/.well-known/mercure?topic=${encodeURIComponent(topic)}` });
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    assert.equal(headers[':status'], 200);
    return stream;
  };
  try {
    await once(session, 'connect');
    // A connection window far larger than a stream's: a stalled stream cannot starve its neighbours.
    session.setLocalWindowSize(8 * 1024 * 1024);
    await use(hub, open);
  } finally {
    session.destroy();
    await hub.close();
    cert.remove();
  }
}

/** Counts the `data:` frames that arrive on `stream`. */
function countFrames(stream: ClientHttp2Stream): { readonly count: number } {
  let count = 0;
  let carry = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const text = carry + chunk;
    const frames = text.split('\n\n');
    carry = frames.pop()!;
    count += frames.filter((frame) => frame.includes('data: ')).length;
  });
  return {
    get count() {
      return count;
    },
  };
}

describe('streams sharing one HTTP/2 connection', () => {
  test('a stream the client resets frees its place at once; its neighbour goes on', async () => {
    await withHttp2Hub({}, async (hub, open) => {
      const leaving = await open('/shared');
      const staying = await open('/shared');
      const received = countFrames(staying);
      await waitUntil(() => hub.subscriberCount === 2);
      leaving.close();
      await waitUntil(() => hub.subscriberCount === 1);
      await hub.publish({ topics: ['/shared'], data: 'still here' });
      await waitUntil(() => received.count === 1);
    });
  });

  test('a stalled reader is closed at maxBufferedBytes while the stream beside it receives every update', async () => {
    await withHttp2Hub({ maxBufferedBytes: 32 * 1024, compression: false }, async (hub, open) => {
      const stalled = await open('/flood');
      stalled.pause(); // no reads: no WINDOW_UPDATE for this stream, its window shuts after 16 KiB
      const reading = await open('/flood');
      const received = countFrames(reading);
      await waitUntil(() => hub.subscriberCount === 2);
      const updates = 100;
      for (let i = 0; i < updates; i++) {
        await hub.publish({ topics: ['/flood'], data: `${i} ${'x'.repeat(2048)}` });
        // Paced so the reading stream's 16 KiB window reopens between updates: unlike HTTP/1.1, where the
        // kernel's socket buffer absorbs a burst, bytes beyond an HTTP/2 stream's window wait in the hub
        // and count against maxBufferedBytes.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await waitUntil(() => received.count === updates, 10_000);
      await waitUntil(() => hub.subscriberCount === 1, 10_000);
      const slow = await hub.metrics.getSingleMetricAsString('hotline_slow_consumer_disconnects_total');
      assert.match(slow, /^hotline_slow_consumer_disconnects_total 1$/m, 'closed as a slow consumer');
    });
  });

  test('a stream whose window stays shut is closed after writeTimeoutMs, under its byte budget', async () => {
    await withHttp2Hub(
      { writeTimeoutMs: 300, maxBufferedBytes: 4 * 1024 * 1024, compression: false },
      async (hub, open) => {
        const stalled = await open('/stall');
        stalled.pause();
        const reading = await open('/other');
        const received = countFrames(reading);
        await waitUntil(() => hub.subscriberCount === 2);
        // ~80 KiB: past the 16 KiB window and the stream's own buffer, so node:http2 says "wait for drain".
        for (let i = 0; i < 40; i++) await hub.publish({ topics: ['/stall'], data: 'x'.repeat(2048) });
        await waitUntil(() => hub.subscriberCount === 1, 10_000);
        const metrics = await hub.metrics.metrics();
        assert.match(metrics, /^hotline_slow_consumer_disconnects_total 0$/m, 'not closed for its bytes');
        assert.match(metrics, /^hotline_disconnects_total 1$/m);
        await hub.publish({ topics: ['/other'], data: 'the connection lives on' });
        await waitUntil(() => received.count === 1);
      },
    );
  });

  test('heartbeats reach every stream of the connection', async () => {
    await withHttp2Hub({ heartbeatMs: 100 }, async (hub, open) => {
      const streams = [await open('/beat/a'), await open('/beat/b')];
      await waitUntil(() => hub.subscriberCount === 2);
      const texts = streams.map((stream) => {
        const seen = { text: '' };
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          seen.text += chunk;
        });
        return seen;
      });
      // After the hello (`: heartbeat 100`), each beat is an empty comment line, `: `.
      await waitUntil(() => texts.every((seen) => (seen.text.match(/^: $/gm) ?? []).length >= 2), 5000);
    });
  });
});
