/**
 * The last event ID string (HTML §9.2.6, dispatch step 1): "Set the last event ID string of the event source
 * to the value of the last event ID buffer" at every blank line, before the empty-data check; and "If the file
 * ends in the middle of an event, before the final empty line, the incomplete event is not dispatched."
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createParser } from '../../src/protocol/parse.js';
import type { ParsedEvent } from '../../src/protocol/types.js';
import { byteSplits, splits } from '../fixtures/collect.js';
import { rechunk } from '../fixtures/rechunk.js';
import { referenceParseWithIds } from '../fixtures/reference-parser.js';

interface Run {
  events: ParsedEvent[];
  ids: string[];
  /** The buffer right after `reset()`: what the next connection starts from. */
  afterReset: string;
  /** The first event of the next stream (`data: next`), which carries no `id:`. */
  next: ParsedEvent | undefined;
}

/** Feeds one stream in `chunks`, ends it with `reset()` (a reconnection), then feeds a stream without ids. */
function run(chunks: Iterable<string | Uint8Array>): Run {
  const out: Run = { events: [], ids: [], afterReset: '', next: undefined };
  const parser = createParser({ onEvent: (e) => out.events.push({ ...e }), onId: (id) => out.ids.push(id) });
  for (const chunk of chunks) parser.feed(chunk);
  parser.reset();
  out.afterReset = parser.lastEventId;
  const before = out.events.length;
  parser.feed('data: next\n\n');
  out.next = out.events.splice(before)[0];
  return out;
}

const ID_ONLY = 'data: a\nid: 1\n\nid: 7\n\n';
const CUT_OFF = 'data:test1\n\nid:test\ndata:test2';

describe('the last event ID string is set at every blank line (HTML §9.2.6 dispatch step 1)', () => {
  test('an id-only block sets it: the next stream resumes from 7, and its events carry 7', () => {
    for (const chunks of [...splits(ID_ONLY), ...byteSplits(ID_ONLY)]) {
      const r = run(chunks);
      assert.deepEqual(r.events, [{ type: 'message', data: 'a', lastEventId: '1' }]);
      assert.deepEqual(r.ids, ['1', '7'], 'onId reports 1 at the first blank line and 7 at the second');
      assert.equal(r.afterReset, '7');
      assert.deepEqual(r.next, { type: 'message', data: 'next', lastEventId: '7' });
    }
  });

  test('"If the file ends in the middle of an event, before the final empty line, the incomplete event is not dispatched": its id is dropped', () => {
    for (const chunks of [...splits(CUT_OFF), ...byteSplits(CUT_OFF)]) {
      const r = run(chunks);
      assert.deepEqual(r.events, [{ type: 'message', data: 'test1', lastEventId: '' }]);
      assert.deepEqual(r.ids, [], 'no blank line ever followed id:test');
      assert.equal(r.afterReset, '');
      assert.deepEqual(r.next, { type: 'message', data: 'next', lastEventId: '' });
    }
  });

  test('onId is called before the event of its block is dispatched', () => {
    const order: string[] = [];
    const parser = createParser({
      onEvent: (e) => order.push(`event ${e.lastEventId}`),
      onId: (id) => order.push(`id ${id}`),
    });
    parser.feed('id: 3\ndata: x\n\ndata: y\n\nid\n\n');
    assert.deepEqual(order, ['id 3', 'event 3', 'event 3', 'id ']);
  });

  test('reset() with an id starts from that id, and a cut-off id never overrides it', () => {
    const ids: string[] = [];
    const parser = createParser({ onEvent: () => {}, onId: (id) => ids.push(id) });
    parser.feed('id: 5\n\nid: 6');
    parser.reset({ lastEventId: '2' });
    assert.equal(parser.lastEventId, '2');
    parser.reset();
    assert.equal(parser.lastEventId, '2', 'the id given to reset() is the committed one');
    assert.deepEqual(ids, ['5']);
  });

  test('an onId that throws is reported to onError and parsing goes on', () => {
    const events: string[] = [];
    const codes: string[] = [];
    const parser = createParser({
      onEvent: (e) => events.push(e.data),
      onId: () => {
        throw new Error('boom');
      },
      onError: (e) => codes.push(e.code),
    });
    parser.feed('id: 1\ndata: a\n\ndata: b\n\n');
    assert.deepEqual(events, ['a', 'b']);
    assert.deepEqual(codes, ['HOTLINE_CALLBACK_FAILED']);
  });
});

const fieldLine = fc.oneof(
  fc.constantFrom('data: x', 'data', 'event: e', ': c', 'id', 'id: 1', 'id: 2', 'id:\0', 'retry: 5', ''),
  fc.string({ maxLength: 3 }).map((s) => `id: ${s.replace(/[\r\n]/g, '')}`),
);
const eol = fc.constantFrom('\n', '\r', '\r\n');
const stream = fc
  .array(fc.tuple(fieldLine, eol), { maxLength: 20 })
  .chain((lines) =>
    fc
      .oneof(fc.constant(''), fieldLine)
      .map((tail) => lines.map(([l, e]) => l + e).join('') + tail.replace(/[\r\n]/g, '')),
  );

describe('the last event ID string agrees with the reference model', () => {
  test('onId and the id after reset() match the model under arbitrary re-chunking', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (text, cuts) => {
        const model = referenceParseWithIds(text);
        const r = run(rechunk(text, cuts));
        assert.deepEqual(r.events, model.events);
        assert.deepEqual(r.ids, model.ids);
        assert.equal(r.afterReset, model.lastEventIdString);
        assert.equal(r.next?.lastEventId, model.lastEventIdString);
      }),
      { numRuns: 2000 },
    );
  });
});
