import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { encodeEvent } from '../../src/protocol/encode.js';
import { SendQueue } from '../../src/server/send-queue.js';
import type { FramePolicy } from '../../src/server/types.js';

const text = (frames: Uint8Array[]) => frames.map((f) => new TextDecoder().decode(f));
const frame = (data: string, id?: string) => encodeEvent(id === undefined ? { data } : { data, id });
/** The runtime holds nothing: only the queue counts. */
const idle = { bufferedBytes: 0 };

describe('SendQueue', () => {
  test('frames leave in write order, and taking them empties the queue', () => {
    const queue = new SendQueue({ backpressure: 'close', maxBufferedBytes: 1024 }, idle);
    for (const data of ['a', 'b', 'c']) assert.equal(queue.add(frame(data), undefined), true);
    assert.equal(queue.length, 3);
    assert.equal(queue.bytes, 3 * frame('a').byteLength);
    assert.deepEqual(text(queue.take()), ['data: a\n\n', 'data: b\n\n', 'data: c\n\n']);
    assert.equal(queue.length, 0);
    assert.equal(queue.bytes, 0);
  });

  test("'close' gives up on a stalled reader past the budget, but lets a reader that keeps up burst to 4×", () => {
    const big = new Uint8Array(400);
    const stalled = new SendQueue({ backpressure: 'close', maxBufferedBytes: 1000 }, idle);
    assert.equal(stalled.add(big, undefined, undefined, true), true);
    assert.equal(stalled.add(big, undefined, undefined, true), true);
    assert.equal(stalled.add(big, undefined, undefined, true), false, '1,200 bytes > 1,000 while stalled');

    const keepingUp = new SendQueue({ backpressure: 'close', maxBufferedBytes: 1000 }, idle);
    for (let i = 0; i < 10; i++) assert.equal(keepingUp.add(big, undefined), true, `${(i + 1) * 400} bytes`);
    assert.equal(keepingUp.add(big, undefined), false, '4,400 bytes > 4 × 1,000 in one turn');
  });

  test("the session's own budget also counts what the runtime holds; another policy's does not", () => {
    const own: FramePolicy = { backpressure: 'close', maxBufferedBytes: 1000 };
    const other: FramePolicy = { backpressure: 'close', maxBufferedBytes: 1000 };
    const queue = new SendQueue(own, { bufferedBytes: 900 });
    assert.equal(queue.add(new Uint8Array(200), undefined, other, true), true);
    assert.equal(queue.add(new Uint8Array(200), undefined, own, true), false);
  });

  test("'drop-oldest' drops the oldest frames of its own policy until under budget and counts them lost", () => {
    const own: FramePolicy = { backpressure: 'close', maxBufferedBytes: 1_000_000 };
    const lossy: FramePolicy = { backpressure: 'drop-oldest', maxBufferedBytes: 2 * frame('1').byteLength };
    const queue = new SendQueue(own, idle);
    queue.add(frame('own'), undefined);
    for (const data of ['1', '2', '3', '4']) assert.equal(queue.add(frame(data), undefined, lossy, true), true);
    assert.equal(queue.lost, 2);
    assert.deepEqual(text(queue.take()), ['data: own\n\n', 'data: 3\n\n', 'data: 4\n\n']);
  });

  test("'conflate' replaces a stalled reader's queued value of a key in place, without the id of a value that overtook", () => {
    const queue = new SendQueue({ backpressure: 'conflate', maxBufferedBytes: 1024 }, idle);
    queue.add(frame('a1', '1'), 'a', undefined, true);
    queue.add(frame('b2', '2'), 'b', undefined, true);
    queue.add(frame('a3', '3'), 'a', undefined, true);
    assert.equal(queue.length, 2);
    assert.equal(queue.lost, 1);
    // a3 stands where a1 stood, ahead of b2 written before it: its id would move the cursor past b2.
    assert.deepEqual(text(queue.take()), ['data: a3\n\n', 'id: 2\ndata: b2\n\n']);
  });

  test('frames queued as themselves and frames that need a record keep one write order, across takes (property)', () => {
    // A stalled reader under 'conflate' with a budget it never reaches: keyed values replace the queued value
    // of their key where it stands, keyless ones and another policy's frames queue; the first keyed frame
    // turns the plain frames queued before it into records.
    const own: FramePolicy = { backpressure: 'conflate', maxBufferedBytes: 1_000_000 };
    const other: FramePolicy = { backpressure: 'close', maxBufferedBytes: 1_000_000 };
    const write = fc.record({
      key: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
      other: fc.boolean(),
    });
    const cycle = fc.array(write, { maxLength: 30 });
    fc.assert(
      fc.property(fc.array(cycle, { minLength: 1, maxLength: 4 }), (cycles) => {
        const queue = new SendQueue(own, idle);
        let n = 0;
        let lost = 0;
        for (const writes of cycles) {
          const model: { data: string; key: string | undefined }[] = [];
          for (const w of writes) {
            const data = String(n++);
            const key = w.other ? undefined : w.key;
            assert.equal(queue.add(frame(data), key, w.other ? other : undefined, true), true);
            const at = key === undefined ? -1 : model.findIndex((m) => m.key === key);
            if (at >= 0) {
              model[at] = { data, key };
              lost++;
            } else model.push({ data, key });
          }
          assert.equal(queue.length, model.length);
          assert.deepEqual(
            text(queue.take()),
            model.map((m) => `data: ${m.data}\n\n`),
          );
          assert.equal(queue.bytes, 0);
        }
        assert.equal(queue.lost, lost);
      }),
    );
  });

  test("'drop-oldest' on plain frames keeps the newest that fit, in order, and the last one always", () => {
    const one = frame('0').byteLength;
    const queue = new SendQueue({ backpressure: 'drop-oldest', maxBufferedBytes: 3 * one }, idle);
    for (let i = 0; i < 10; i++) assert.equal(queue.add(frame(String(i)), undefined, undefined, true), true);
    assert.equal(queue.lost, 7);
    assert.deepEqual(text(queue.take()), ['data: 7\n\n', 'data: 8\n\n', 'data: 9\n\n']);
    const big = new SendQueue({ backpressure: 'drop-oldest', maxBufferedBytes: 1 }, idle);
    big.add(frame('x'), undefined, undefined, true);
    big.add(frame('y'), undefined, undefined, true);
    assert.deepEqual(text(big.take()), ['data: y\n\n'], 'a frame over the budget alone still leaves');
  });
});
