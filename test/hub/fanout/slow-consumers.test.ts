import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HotlineError } from '../../../src/errors.js';
import {
  conflationKey,
  createUpdateEncoder,
  validateSlowConsumerPolicies,
} from '../../../src/hub/fanout/slow-consumers.js';
import type { HubOptions } from '../../../src/hub/options.js';
import { createTopicMatcher } from '../../../src/hub/topics/selectors.js';
import type { StoredUpdate } from '../../../src/hub/update.js';
import { startHub } from '../../fixtures/hub.js';
import { openStream, type RawStream } from '../../fixtures/sse-reader.js';

const TICKER = 'https://example.com/ticker/{symbol}';
const SYMBOLS = ['ACME', 'GLOBEX', 'INITECH', 'UMBRELLA', 'HOOLI', 'STARK', 'WAYNE', 'TYRELL', 'CYBERDYNE', 'SOYLENT'];
const DONE = 'https://example.com/done';

function update(topics: string[], data: string): StoredUpdate {
  return { id: 'x', topics, data, private: false, publishedAt: 0, position: 1 };
}

/**
 * A subscriber of the ticker that stops reading while thousands of 4 KB updates over 10 topics are
 * published — several times what the socket buffers absorb — then reads everything.
 */
async function slowReaderRun(options: HubOptions) {
  const running = await startHub({ allowAnonymous: true, maxBufferedBytes: 256 * 1024, ...options });
  const { hub, endpoint } = running;
  let stream: RawStream | undefined;
  try {
    const query = `topic=${encodeURIComponent(TICKER)}&topic=${encodeURIComponent(DONE)}`;
    stream = await openStream(`${endpoint}?${query}`);
    stream.pause();
    const last = new Map<string, number>();
    const pad = 'x'.repeat(4096);
    for (let i = 0; i < 3000; i++) {
      const symbol = SYMBOLS[i % SYMBOLS.length]!;
      await hub.publish({ topics: [`https://example.com/ticker/${symbol}`], data: JSON.stringify({ symbol, i, pad }) });
      last.set(symbol, i);
      // Let the hub flush now and then, as it would between publishes arriving over the network.
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const connectedWhileLagging = hub.subscriberCount;
    await hub.publish({ topics: [DONE], data: 'done' });
    stream.resume();
    const reader = stream;
    // Until the last update arrives — or the hub closed the stream.
    await Promise.race([reader.until(() => reader.events.some((e) => e.data === 'done'), 20_000), reader.ended]);
    const metrics = await (await fetch(`${running.origin}/metrics`)).text();
    return { stream: reader, last, connectedWhileLagging, metrics };
  } finally {
    stream?.close();
    await running.close();
  }
}

describe('slow-consumer policies per topic selector in the hub', () => {
  test('a subscriber that stops reading gets the last value of every conflated topic, and is never dropped', async () => {
    const { stream, last, connectedWhileLagging, metrics } = await slowReaderRun({
      slowConsumers: { [TICKER]: { policy: 'conflate', bufferLimit: 64 * 1024 } },
    });
    assert.equal(connectedWhileLagging, 1, 'still connected after 12 MB were published to it');
    assert.match(metrics, /hotline_slow_consumer_disconnects_total 0/);
    const seen = new Map<string, number>();
    for (const e of stream.events) {
      if (e.data === 'done') continue;
      const { symbol, i } = JSON.parse(e.data) as { symbol: string; i: number };
      assert.ok(i > (seen.get(symbol) ?? -1), 'each topic moves forward only');
      seen.set(symbol, i);
    }
    assert.deepEqual(new Map([...seen].sort()), new Map([...last].sort()));
    assert.ok(
      stream.events.some((e) => e.data === 'done'),
      'the update after the burst arrives too',
    );
    // Conflation, not a queue: far fewer than 3000 updates reached the reader. The memory it held is
    // bounded by the policy's budget: past 4 × 64 KB the hub would have closed the stream instead.
    assert.ok(stream.events.length < 3000, `${stream.events.length} updates delivered`);
  });

  test("the same reader without a policy is disconnected (the hub's 'close' default)", async () => {
    const { connectedWhileLagging, metrics } = await slowReaderRun({});
    assert.equal(connectedWhileLagging, 0);
    assert.match(metrics, /hotline_slow_consumer_disconnects_total 1/);
  });

  test("conflation keyed by a data field keeps the last value of each key; 'drop-oldest' is per selector", () => {
    const matcher = createTopicMatcher();
    const encode = createUpdateEncoder(
      {
        'https://example.com/scores': { policy: 'conflate', key: 'data.match' },
        'https://example.com/{any}': { policy: 'drop-oldest', bufferLimit: 1000 },
      },
      4096,
      matcher,
    );
    const a = encode(update(['https://example.com/scores'], '{"match":7,"score":"1-0"}'));
    const b = encode(update(['https://example.com/scores'], '{"match":7,"score":"2-0"}'));
    const c = encode(update(['https://example.com/scores'], '{"match":8,"score":"0-0"}'));
    assert.equal(a.key, b.key);
    assert.notEqual(a.key, c.key);
    assert.deepEqual(a.policy, { backpressure: 'conflate', maxBufferedBytes: 4096 });
    assert.equal(a.policy, c.policy, 'one policy object per selector');
    const news = encode(update(['https://example.com/news'], 'plain text'));
    assert.deepEqual(news.policy, { backpressure: 'drop-oldest', maxBufferedBytes: 1000 });
    assert.equal(news.key, undefined);
    const other = encode(update(['urn:other'], '{}'));
    assert.equal(other.policy, undefined);
    assert.ok(other.frame.byteLength > 0);
  });

  test('conflation keys: equal field values share a key, different ones never do, topics never meet data', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.jsonValue(), fc.jsonValue(), fc.string(), (field, v1, v2, topic) => {
        const spec = `data.${field}` as const;
        const k1 = conflationKey(spec, { data: JSON.stringify({ [field]: v1 }) }, topic);
        const k2 = conflationKey(spec, { data: JSON.stringify({ [field]: v2 }) }, topic);
        assert.notEqual(k1, undefined);
        const same = JSON.stringify(JSON.parse(JSON.stringify(v1))) === JSON.stringify(JSON.parse(JSON.stringify(v2)));
        assert.equal(k1 === k2, same);
        assert.notEqual(k1, conflationKey('topic', { data: '' }, topic));
        // Without the field, or with data that is not a JSON object, there is no key.
        assert.equal(conflationKey(spec, { data: JSON.stringify({ [`${field}_`]: v1 }) }, topic), undefined);
        assert.equal(conflationKey(spec, { data: JSON.stringify([v1]) }, topic), undefined);
      }),
    );
  });

  test('invalid policies are refused with HOTLINE_HUB_INVALID_OPTIONS', () => {
    for (const bad of [
      [],
      { '': { policy: 'conflate' } },
      { x: { policy: 'latest' } },
      { x: { policy: 'close', key: 'topic' } },
      { x: { policy: 'conflate', key: 'symbol' } },
      { x: { policy: 'conflate', bufferLimit: 0 } },
      { x: { policy: 'conflate', buffer: 10 } },
    ]) {
      assert.throws(
        () => validateSlowConsumerPolicies(bad),
        (e: unknown) => e instanceof HotlineError && e.code === 'HOTLINE_HUB_INVALID_OPTIONS',
        JSON.stringify(bad),
      );
    }
  });
});
