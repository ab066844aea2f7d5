/**
 * [NON-SPEC] The parser's size bound, `maxEventBytes`: what passes, what is discarded, that parsing goes on
 * correctly afterwards, and that an endless line never grows memory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HotlineError, HotlineTypeError } from '../../src/errors.js';
import { PARSER_DEFAULTS } from '../../src/protocol/defaults.js';
import { createParser } from '../../src/protocol/parse.js';
import { byteSplits, type Collected, parseChunks, splits } from '../fixtures/collect.js';
import { retainedHeapBytes } from '../fixtures/heap.js';

const message = (data: string, lastEventId = '', type = 'message') => ({ type, data, lastEventId });
const codes = (parsed: Collected) => parsed.errors.map((e) => e.code);
const bounded = (maxEventBytes: number, ...chunks: (string | Uint8Array)[]) => parseChunks(chunks, { maxEventBytes });

describe('[NON-SPEC] a line past maxEventBytes', () => {
  test('a line of exactly maxEventBytes bytes is kept; one byte more discards its event', () => {
    // "data: 1234567890" is 16 bytes.
    assert.deepEqual(bounded(16, 'data: 1234567890\n\n').events, [message('1234567890')]);
    const over = bounded(15, 'data: 1234567890\n\ndata: next\n\n');
    assert.deepEqual(over.events, [message('next')]);
    assert.deepEqual(codes(over), ['HOTLINE_PARSE_EVENT_TOO_LARGE']);
    assert.ok(over.errors[0] instanceof HotlineError);
  });

  test('the bound counts UTF-8 bytes, not UTF-16 code units', () => {
    // "data:" + é (2 bytes) € (3) 𝄞 (4, two code units) = 14 bytes in 9 code units.
    const line = 'data:é€𝄞\n\n';
    assert.deepEqual(bounded(14, line).events, [message('é€𝄞')]);
    assert.deepEqual(bounded(13, line).events, []);
    assert.deepEqual(bounded(13, new TextEncoder().encode(line)).events, []);
    assert.deepEqual(bounded(14, new TextEncoder().encode(line)).events, [message('é€𝄞')]);
  });

  test('the whole event goes with an over-long line: the lines before and after it in the event', () => {
    const parsed = bounded(12, 'event: a\ndata: 1\ndata: 1234567890\ndata: 2\nevent: b\n\ndata: ok\n\n');
    assert.deepEqual(parsed.events, [message('ok')]);
    assert.equal(parsed.errors.length, 1, 'one error per event');
  });

  test('an over-long line ending in CRLF split across chunks: the LF is not a blank line', () => {
    const parsed = bounded(12, 'data: 1234567890\r', '\ndata: same event\r\n\r\ndata: ok\r\n\r\n');
    assert.deepEqual(parsed.events, [message('ok')]);
    assert.equal(parsed.errors.length, 1);
  });

  test('an over-long comment is dropped alone; the event around it is kept', () => {
    const parsed = bounded(12, 'data: a\n: this comment is too long\ndata: b\n\n');
    assert.deepEqual(parsed.events, [message('a\nb')]);
    assert.deepEqual(parsed.comments, []);
    assert.deepEqual(codes(parsed), ['HOTLINE_PARSE_EVENT_TOO_LARGE']);
  });

  test('an over-long id line is dropped with its event: the last event id stays what it was', () => {
    const parsed = bounded(12, 'id: 1\ndata: a\n\nid: 1234567890\ndata: b\n\ndata: c\n\n');
    assert.deepEqual(parsed.events, [message('a', '1'), message('c', '1')]);
  });
});

describe('[NON-SPEC] an event past maxEventBytes', () => {
  test('data, event type and id count together; exactly at the bound is kept, one byte more is not', () => {
    // data "aaaa\nbbbb" (9 bytes) + type "t" (1) + id "ab" (2) = 12 bytes.
    const stream = 'id: ab\nevent: t\ndata: aaaa\ndata: bbbb\n\n';
    assert.deepEqual(bounded(12, stream).events, [message('aaaa\nbbbb', 'ab', 't')]);
    const over = bounded(11, `${stream}data: next\n\n`);
    assert.deepEqual(over.events, [message('next', 'ab')]);
    assert.deepEqual(codes(over), ['HOTLINE_PARSE_EVENT_TOO_LARGE']);
  });

  test('many short data lines add up: one error, and the next event is intact', () => {
    const parsed = bounded(100, `${'data: 0123456789\n'.repeat(50)}\ndata: after\n\n`);
    assert.deepEqual(parsed.events, [message('after')]);
    assert.equal(parsed.errors.length, 1);
  });

  test('the id and retry of a discarded event still take effect; its comments are still reported', () => {
    const parsed = bounded(10, 'data: 12345678\ndata: 12345678\nid: 9\nretry: 50\n: hi\n\ndata: next\n\n');
    assert.deepEqual(parsed.events, [message('next', '9')]);
    assert.deepEqual(parsed.retries, [50]);
    assert.deepEqual(parsed.comments, ['hi']);
  });

  test('a long id counts against every event that carries it', () => {
    const parsed = bounded(12, 'id: 12345678\ndata: 1234\n\ndata: 12345\n\nid\ndata: 12345\n\n');
    assert.deepEqual(parsed.events, [message('1234', '12345678'), message('12345')]);
    assert.equal(parsed.errors.length, 1);
  });

  test('an event near the bound is counted exactly, also when its parts arrive in many chunks', () => {
    // 300 lines of "€€€" (9 bytes) joined by LF: 2,999 bytes of data, past a third of the bound.
    const lines = Array.from({ length: 300 }, () => 'data: €€€\n').join('');
    const chunks = lines.match(/[\s\S]{1,7}/g) ?? [];
    assert.equal(bounded(2999, ...chunks, '\n').events.length, 1);
    assert.equal(bounded(2998, ...chunks, '\n').events.length, 0);
  });
});

describe('[NON-SPEC] maxEventBytes under every chunking', () => {
  const streams: [number, string][] = [
    [12, 'data: 1234567890\r\ndata: x\r\n\r\ndata: ok\r\n\r\n'],
    [12, 'data: 12345678\rdata: 1\r\rid: 5\rdata: ok\r\r'],
    [14, ': 0123456789abc\ndata:é€𝄞\n\ndata:é€𝄞a\n\n'],
    [9, 'data:a\ndata:bc\n\nevent:abcdefghi\ndata:z\n\ndata:y\n\n'],
  ];
  for (const [max, stream] of streams) {
    test(`text and bytes of ${JSON.stringify(stream)} (bound ${max})`, () => {
      const whole = parseChunks([stream], { maxEventBytes: max });
      assert.ok(whole.errors.length > 0 && whole.events.length > 0, 'the case exercises both outcomes');
      for (const chunks of splits(stream))
        assert.deepEqual(parseChunks(chunks, { maxEventBytes: max }), whole, JSON.stringify(chunks));
      for (const chunks of byteSplits(stream)) assert.deepEqual(parseChunks(chunks, { maxEventBytes: max }), whole);
    });
  }

  test('a surrogate pair split across two text chunks counts as one 4-byte character', () => {
    // "data:" (5) + 𝄞 (4) + "a" (1) = 10 bytes; counted as two lone surrogates it would be 12.
    const parsed = bounded(10, 'data:\uD834', '\uDD1Ea', '\n\n');
    assert.deepEqual(parsed.events, [message('𝄞a')]);
  });
});

describe('[NON-SPEC] maxEventBytes settings', () => {
  test('the default is 1 MiB', () => {
    assert.equal(PARSER_DEFAULTS.maxEventBytes, 1024 * 1024);
    const line = `data: ${'x'.repeat(PARSER_DEFAULTS.maxEventBytes)}\n\n`;
    assert.equal(parseChunks([line]).events.length, 0);
  });

  test('0 and Infinity turn the bound off', () => {
    const line = `data: ${'x'.repeat(PARSER_DEFAULTS.maxEventBytes)}\n\n`;
    assert.equal(bounded(0, line).events.length, 1);
    assert.equal(bounded(Number.POSITIVE_INFINITY, line).events.length, 1);
  });

  for (const bad of [-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
    test(`maxEventBytes ${bad} is refused at once`, () => {
      assert.throws(
        () => createParser({ onEvent: () => {} }, { maxEventBytes: bad }),
        (e: unknown) =>
          e instanceof HotlineTypeError && e.code === 'HOTLINE_PARSE_INVALID_OPTIONS' && e.field === 'maxEventBytes',
      );
    });
  }

  test('reset() ends a discarded event and a skipped line', () => {
    const events: string[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e.data) }, { maxEventBytes: 8 });
    parser.feed('data: 123456789');
    parser.reset();
    parser.feed('data: a\n\n');
    parser.feed('data: 12\ndata: 3456789\n');
    parser.reset();
    parser.feed('data: b\n\n');
    assert.deepEqual(events, ['a', 'b']);
  });
});

describe('[NON-SPEC] an endless line', () => {
  test('64 MiB of one line never holds more than the bound, and the stream goes on after it', () => {
    const maxEventBytes = 1024 * 1024;
    const events: string[] = [];
    const errors: HotlineError[] = [];
    const parser = createParser(
      { onEvent: (e) => events.push(e.data), onError: (e) => errors.push(e) },
      { maxEventBytes },
    );
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    parser.feed('data: ');
    const before = retainedHeapBytes();
    let peak = 0;
    for (let i = 1; i <= 1024; i++) {
      parser.feed(chunk);
      // Every 2 MiB, and right around the moment the line passes the bound.
      if (i % 32 === 0 || i === 15) peak = Math.max(peak, retainedHeapBytes() - before);
    }
    parser.feed('\n\ndata: after\n\n');
    assert.deepEqual(events, ['after']);
    assert.equal(errors.length, 1);
    assert.ok(peak < 3 * maxEventBytes, `retained ${peak} bytes while 64 MiB streamed in`);
  });
});
