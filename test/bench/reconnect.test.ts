import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameCounter } from '../../src/cli/bench/frame-counter.js';
import { stampedPayload } from '../../src/cli/bench/publisher.js';
import { runLoad } from '../../src/cli/bench/run-load.js';
import { SeqSet } from '../../src/cli/bench/seq-set.js';
import { type RunningHub, startHub, token } from '../fixtures/hub.js';

describe('SeqSet', () => {
  test('adds each sequence number once and counts the rest as seen before', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50_000 }), { maxLength: 300 }), (seqs) => {
        const set = new SeqSet();
        const fresh = seqs.filter((seq) => set.add(seq)).length;
        assert.equal(fresh, new Set(seqs).size);
        assert.equal(set.size, fresh);
      }),
    );
  });
});

describe('FrameCounter with ids', () => {
  const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n';
  const stream = (n: number): string =>
    Array.from({ length: n }, (_, seq) => `id: urn:uuid:${seq}-é\r\ndata: ${stampedPayload(100, seq)}\r\n\r\n`).join(
      ': heartbeat\n\n',
    );

  test('reads every id and sequence number, however the bytes are split', () => {
    const bytes = Buffer.from(head + stream(6));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const seen: [number | undefined, string | undefined][] = [];
        const counter = new FrameCounter(
          () => {},
          (_stamp, seq, id) => seen.push([seq, id]),
          { ids: true },
        );
        let at = 0;
        for (const cut of [...cuts.sort((a, b) => a - b), bytes.length]) {
          counter.feed(bytes.subarray(at, cut));
          at = cut;
        }
        assert.deepEqual(
          seen,
          Array.from({ length: 6 }, (_, seq) => [seq, `urn:uuid:${seq}-é`]),
        );
      }),
    );
  });

  test('a sequence number too large for the bitset is not read (a hostile server cannot make one grow)', () => {
    const seen: (number | undefined)[] = [];
    const counter = new FrameCounter(
      () => {},
      (_stamp, seq) => seen.push(seq),
      { ids: true },
    );
    counter.feed(Buffer.from(`${head}data: {"s":99999999999,"p":""}\n\ndata: {"s":9999999}\n\n`));
    assert.deepEqual(seen, [undefined, 9_999_999]);
  });
});

describe('reconnecting mode against a hub that closes slow consumers', () => {
  let running: RunningHub;
  let publisher: string;
  before(async () => {
    // A reader whose socket takes no bytes for half a second is closed (the hub's write timeout, its answer to a
    // consumer that stopped reading). The queue budget is large so that the replay of what a resumed
    // subscriber missed fits in it: the hub replays without waiting for the socket to drain.
    running = await startHub({ allowAnonymous: true, writeTimeoutMs: 500, maxBufferedBytes: 64 * 1024 * 1024 });
    publisher = await token({ publish: ['*'] });
  });
  after(() => running.close());

  const load = (reconnect: boolean, topic: string) =>
    runLoad({
      subscribe: {
        host: '127.0.0.1',
        port: Number(new URL(running.origin).port),
        path: `/.well-known/mercure?topic=${topic}`,
      },
      subscribers: 4,
      // Every subscriber stops reading at its first update until 1.5 s after the last of 12 MB is published:
      // more than the kernel's socket buffers hold, so the hub's writes stall and it closes every one of them.
      stallMs: 1500,
      reconnect,
      publish: { shape: { kind: 'mercure', topic, jwt: publisher }, count: 3000, inFlight: 4, payloadBytes: 4096 },
      // Longer than the stall after the last publish, when no frame arrives.
      idleTimeoutMs: 5000,
    });

  test('closed subscribers resume with Last-Event-ID: every update counted once, 0 lost, replays apart', async () => {
    const result = await load(true, 'reconnect-on');
    assert.equal(result.publish?.sent, 3000);
    assert.ok((result.reconnects?.resumed ?? 0) >= 4, `every subscriber resumed: ${JSON.stringify(result.reconnects)}`);
    assert.equal(result.frames.dropped, 0);
    assert.equal(result.subscribers.measured, 4);
    assert.equal(result.frames.lost, 0);
    assert.equal(result.frames.received, 4 * 3000);
    assert.equal(result.frames.minPerSubscriber, 3000);
    // The hub resumes right after the last id received: nothing comes twice.
    assert.equal(result.frames.duplicates, 0);
  });

  test('without it, the same run counts the closed subscribers’ updates as lost', async () => {
    const result = await load(false, 'reconnect-off');
    assert.equal(result.reconnects, undefined);
    assert.equal(result.frames.duplicates, undefined);
    assert.ok(result.frames.dropped > 0);
    assert.ok(result.frames.lost > 0);
  });
});
