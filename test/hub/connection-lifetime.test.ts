/**
 * spec(Mercure 1.0 §Subscribers): "hubs SHOULD also impose a maximum connection lifetime independent of
 * `exp`". A stream opened with a token without `exp` (or anonymously) is closed at the hub's bound, and the
 * client resumes by Last-Event-ID without a loss.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { connect } from '../../src/client/index.js';
import { LIFETIME_JITTER, streamDeadline } from '../../src/hub/connection-lifetime.js';
import { publishOk, startHub, token } from '../fixtures/hub.js';
import { openStream } from '../fixtures/sse-reader.js';
import { waitUntil } from '../fixtures/sse-test-server.js';

describe('maximum connection lifetime', () => {
  test('the deadline is the earlier of exp and the jittered lifetime, never later than either', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 1e13 }), { nil: undefined }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 1e13 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (exp, maxConnectionMs, now, r) => {
          const deadline = streamDeadline(exp, maxConnectionMs, now, () => r);
          if (maxConnectionMs === 0) return assert.equal(deadline, exp);
          assert.ok(deadline !== undefined, 'a lifetime always gives a deadline');
          assert.ok(deadline <= now + maxConnectionMs, 'never past the lifetime');
          if (exp !== undefined) assert.ok(deadline <= exp, 'never past exp');
          if (exp === undefined || exp >= now + maxConnectionMs)
            assert.ok(deadline >= now + maxConnectionMs * (1 - LIFETIME_JITTER), 'jitter takes at most 10 %');
        },
      ),
    );
  });

  test('a stream without exp is closed at the bound, and connect() resumes with nothing lost', async () => {
    const running = await startHub({ allowAnonymous: true, maxConnectionMs: 400 });
    const topic = '/lifetime/counter';
    const seen: number[] = [];
    let opens = 0;
    const client = connect(`${running.endpoint}?topic=${encodeURIComponent(topic)}`, {
      onOpen: () => {
        opens++;
      },
      onEvent: (event) => seen.push(Number(event.data)),
    });
    try {
      await waitUntil(() => opens === 1, 5_000);
      const publisher = await token({ publish: ['*'] });
      let sent = 0;
      const started = Date.now();
      while (opens < 3) {
        assert.ok(Date.now() - started < 10_000, 'the hub did not close the stream twice within 10 s');
        await publishOk(running.endpoint, { topic, data: String(sent++) }, publisher);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await waitUntil(() => seen.length === sent, 5_000);
      assert.deepEqual(
        seen,
        Array.from({ length: sent }, (_, i) => i),
      );
    } finally {
      client.close();
      await running.close();
    }
  });

  test('0 keeps a stream open past any bound (no lifetime)', async () => {
    const running = await startHub({ allowAnonymous: true, maxConnectionMs: 0 });
    try {
      const stream = await openStream(`${running.endpoint}?topic=${encodeURIComponent('/lifetime/none')}`);
      const outcome = await Promise.race([
        stream.ended.then(() => 'closed'),
        new Promise((resolve) => setTimeout(resolve, 800, 'open')),
      ]);
      assert.equal(outcome, 'open', 'the stream is still open after 800 ms');
      stream.close();
    } finally {
      await running.close();
    }
  });
});
