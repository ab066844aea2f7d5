/**
 * A resuming subscriber whose missed history is larger than the slow-consumer budget catches up: replay
 * waits for the network instead of writing it all at once and getting the stream closed as slow — every
 * attempt, for ever. (Found by the reconnecting load generator: 1k subscribers × 4 KB updates.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { publishOk, startHub, token } from '../../fixtures/hub.js';
import { openStream } from '../../fixtures/sse-reader.js';

const BUDGET = 64 * 1024;
const UPDATES = 300;
const PAYLOAD = 'x'.repeat(4096);

describe('replay is paced by the stream', () => {
  for (const reader of ['reading at once', 'pausing 300 ms first'] as const) {
    test(`${UPDATES} × 4 KB of history (18× the ${BUDGET / 1024} KB budget), a reader ${reader}: all of it, in order, stream open`, async () => {
      const running = await startHub({ allowAnonymous: true, maxBufferedBytes: BUDGET, compression: false });
      const topic = '/pacing/history';
      try {
        const publisher = await token({ publish: ['*'] });
        for (let i = 0; i < UPDATES; i++)
          await publishOk(running.endpoint, { topic, id: `p${i}`, data: `${i} ${PAYLOAD}` }, publisher);
        const stream = await openStream(`${running.endpoint}?topic=${encodeURIComponent(topic)}`, {
          'Last-Event-ID': 'earliest',
        });
        try {
          if (reader === 'pausing 300 ms first') {
            stream.pause();
            await new Promise((resolve) => setTimeout(resolve, 300));
            stream.resume();
          }
          await stream.until(() => stream.events.length === UPDATES, 15_000);
          assert.deepEqual(
            stream.events.map((event) => event.lastEventId),
            Array.from({ length: UPDATES }, (_, i) => `p${i}`),
          );
          await publishOk(running.endpoint, { topic, id: 'live', data: 'after' }, publisher);
          await stream.until(() => stream.events.length === UPDATES + 1, 5_000);
          assert.equal(stream.events.at(-1)?.lastEventId, 'live', 'the stream is still open and live');
        } finally {
          stream.close();
        }
      } finally {
        await running.close();
      }
    });
  }
});
