import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { createParser } from '../../src/protocol/index.js';
import { publishOk, startHub, token } from '../fixtures/hub.js';

/** A subscriber that keeps every raw byte, to check the whole gzip stream (CRC and length) at its end. */
function rawSubscriber(endpoint: string, topics: string[]) {
  const url = new URL(endpoint);
  for (const topic of topics) url.searchParams.append('topic', topic);
  const chunks: Buffer[] = [];
  return new Promise<{ encoding: string | undefined; ended: Promise<Buffer> }>((resolve, reject) => {
    const req = request(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      resolve({
        encoding: res.headers['content-encoding'],
        ended: new Promise((done) => res.on('end', () => done(Buffer.concat(chunks)))),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hub: shared gzip compression end to end', () => {
  test('subscribers of different topic sets each get exactly their updates, and every stream ends as valid gzip', async () => {
    const topics = ['/a', '/b', '/c'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.subarray(topics, { minLength: 1 }), { minLength: 2, maxLength: 12 }),
        fc.array(fc.constantFrom(...topics), { minLength: 1, maxLength: 40 }),
        async (subscriptions, publishes) => {
          const running = await startHub({ allowAnonymous: true });
          const publisher = await token({ publish: ['*'] });
          try {
            const subscribers = await Promise.all(subscriptions.map((t) => rawSubscriber(running.endpoint, t)));
            for (const s of subscribers) assert.equal(s.encoding, 'gzip');
            while (running.hub.subscriberCount < subscriptions.length) await new Promise((r) => setTimeout(r, 2));
            for (const [i, topic] of publishes.entries()) {
              await publishOk(
                running.endpoint,
                { topic, data: JSON.stringify({ i, topic, pad: 'p'.repeat(i) }) },
                publisher,
              );
            }
            // Closing the hub ends every stream gracefully: the final block and the gzip trailer go out.
            await running.close();
            for (const [n, s] of subscribers.entries()) {
              const received: number[] = [];
              const parser = createParser({ onEvent: (e) => received.push((JSON.parse(e.data) as { i: number }).i) });
              // gunzipSync checks the CRC-32 and the length of everything the stream carried.
              parser.feed(gunzipSync(await s.ended));
              const expected = publishes.flatMap((topic, i) => (subscriptions[n]!.includes(topic) ? [i] : []));
              assert.deepEqual(received, expected);
            }
          } finally {
            await running.close().catch(() => {});
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
