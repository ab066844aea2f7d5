import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HotlineError } from '../../src/errors.js';
import { createParser } from '../../src/protocol/parse.js';
import type { ParsedEvent } from '../../src/protocol/types.js';
import { byteSplits, parseAll, parseChunks, splits } from '../fixtures/collect.js';

const message = (data: string, lastEventId = '', type = 'message') => ({ type, data, lastEventId });

describe('the examples of the spec', () => {
  test('three data lines make one event with LF between the lines', () => {
    assert.deepEqual(parseAll('data: YHOO\ndata: +2\ndata: 10\n\n').events, [message('YHOO\n+2\n10')]);
  });

  test('a comment, ids, an id with no value, and a value with two leading spaces', () => {
    const stream = ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n';
    const parsed = parseAll(stream);
    assert.deepEqual(parsed.events, [
      message('first event', '1'),
      message('second event', ''),
      message(' third event'),
    ]);
    assert.deepEqual(parsed.comments, ['test stream']);
  });

  test('a data line with no colon is empty data, and an unterminated event is discarded', () => {
    assert.deepEqual(parseAll('data\n\ndata\ndata\n\ndata:').events, [message(''), message('\n')]);
  });

  test('the space after the colon is optional', () => {
    assert.deepEqual(parseAll('data:test\n\ndata: test\n\n').events, [message('test'), message('test')]);
  });
});

describe('line ends', () => {
  for (const [name, eol] of [
    ['LF', '\n'],
    ['CR', '\r'],
    ['CRLF', '\r\n'],
  ] as const) {
    test(`lines may end in ${name}`, () => {
      assert.deepEqual(parseAll(`data: a${eol}data: b${eol}${eol}`).events, [message('a\nb')]);
    });
  }

  test('mixed line ends in one stream', () => {
    assert.deepEqual(parseAll('data: a\rdata: b\r\ndata: c\n\r\n').events, [message('a\nb\nc')]);
  });

  test('CR CR is two line ends, so it dispatches', () => {
    assert.deepEqual(parseAll('data: a\r\r').events, [message('a')]);
  });

  test('LF CR is two line ends, not a CRLF', () => {
    assert.deepEqual(parseAll('data: a\n\rdata: b\n\n').events, [message('a'), message('b')]);
  });

  test('a CRLF split across chunks is one line end', () => {
    const parsed = parseChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
    assert.deepEqual(parsed.events, [message('a\nb')]);
  });

  test('a CRLF line followed by a blank line of another kind, cut at every point', () => {
    // The CRLF fast path dispatches at a blank CRLF line right after a CRLF line; a blank CR or LF line,
    // or a CRLF cut by a chunk boundary, goes the long way and must dispatch the same events.
    const stream = 'data: a\r\n\r\rdata: b\r\n\ndata: c\r\n\r\nid: 1\r\ndata: d\r\n\r\n\r\n';
    const expected = [message('a'), message('b'), message('c'), message('d', '1')];
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(parseChunks([stream.slice(0, cut), stream.slice(cut)]).events, expected, `cut at ${cut}`);
    }
  });

  test('a CR at the end of a chunk followed by a non-LF starts the next line at once', () => {
    assert.deepEqual(parseChunks(['data: a\r', 'data: b\r', '\r']).events, [message('a\nb')]);
  });
});

describe('fields', () => {
  test('exactly one leading space is removed from a value', () => {
    assert.deepEqual(parseAll('data:   x\n\n').events, [message('  x')]);
  });

  test('a field name is everything before the first colon; later colons are part of the value', () => {
    assert.deepEqual(parseAll('data: a:b: c\n\n').events, [message('a:b: c')]);
  });

  test('field names are case-sensitive', () => {
    const parsed = parseAll('Data: x\nDATA: y\n\n');
    assert.deepEqual(parsed.events, []);
    assert.equal(parsed.errors.length, 2);
    assert.ok(parsed.errors.every((e) => e.code === 'HOTLINE_PARSE_UNKNOWN_FIELD'));
  });

  test('a field name with a trailing space is a different field', () => {
    const parsed = parseAll('data : x\ndata\t: y\n\n');
    assert.deepEqual(parsed.events, []);
    assert.equal(parsed.errors.length, 2);
  });

  test('unknown fields are ignored and reported, near-misses included', () => {
    const parsed = parseAll('foo: bar\ndat: 1\ndatas: 2\nevents: x\nidd: 3\nretryy: 4\ni: 5\ndata: ok\n\n');
    assert.deepEqual(parsed.events, [message('ok')]);
    assert.equal(parsed.errors.length, 7);
    assert.match(parsed.errors[0]?.message ?? '', /"foo"/);
  });

  test('event sets the type, and the type resets after each dispatch', () => {
    assert.deepEqual(parseAll('event: add\ndata: 1\n\ndata: 2\n\n').events, [message('1', '', 'add'), message('2')]);
  });

  test('an empty event field means message', () => {
    assert.deepEqual(parseAll('event:\ndata: 1\n\n').events, [message('1')]);
    assert.deepEqual(parseAll('event\ndata: 1\n\n').events, [message('1')]);
  });

  test('the last event field wins', () => {
    assert.deepEqual(parseAll('event: a\nevent: b\ndata: 1\n\n').events, [message('1', '', 'b')]);
  });

  test('an event type without data is forgotten at the blank line', () => {
    assert.deepEqual(parseAll('event: a\n\ndata: 1\n\n').events, [message('1')]);
  });

  test('the last event id persists across events until changed', () => {
    assert.deepEqual(parseAll('id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n').events, [
      message('a', '1'),
      message('b', '1'),
      message('c', '2'),
    ]);
  });

  test('an id set without data still applies to the next event', () => {
    assert.deepEqual(parseAll('id: 3\n\ndata: x\n\n').events, [message('x', '3')]);
  });

  test('an id containing NUL is ignored and reported', () => {
    const parsed = parseAll('id: 1\n\nid: a\0b\ndata: x\n\n');
    assert.deepEqual(parsed.events, [message('x', '1')]);
    assert.equal(parsed.errors[0]?.code, 'HOTLINE_PARSE_INVALID_ID');
  });

  test('NUL elsewhere is kept as data', () => {
    assert.deepEqual(parseAll('data: a\0b\n\n').events, [message('a\0b')]);
  });

  test('retry with only ASCII digits sets the reconnection time', () => {
    assert.deepEqual(parseAll('retry: 1000\nretry:0\nretry: 007\n').retries, [1000, 0, 7]);
  });

  for (const bogus of ['', ' 1', '1.5', '-1', '1e3', '12a', '٣', '１']) {
    test(`retry ${JSON.stringify(bogus)} is ignored and reported`, () => {
      const parsed = parseAll(`retry: ${bogus}\n`);
      assert.deepEqual(parsed.retries, []);
      assert.equal(parsed.errors[0]?.code, 'HOTLINE_PARSE_INVALID_RETRY');
    });
  }

  test('a retry field without a colon has an empty value and is ignored', () => {
    assert.deepEqual(parseAll('retry\n').retries, []);
  });

  test('comments are reported without the colon and one space', () => {
    assert.deepEqual(parseAll(':a\n: b\n:  c\n:\n').comments, ['a', 'b', ' c', '']);
  });

  test('a comment between data lines does not end the event', () => {
    assert.deepEqual(parseAll('data: a\n: keep-alive\ndata: b\n\n').events, [message('a\nb')]);
  });
});

describe('stream boundaries', () => {
  test('one leading byte order mark is ignored', () => {
    assert.deepEqual(parseAll('\uFEFFdata: a\n\n').events, [message('a')]);
  });

  test('a second byte order mark is part of the first field name', () => {
    const parsed = parseAll('\uFEFF\uFEFFdata: a\n\n');
    assert.deepEqual(parsed.events, []);
    assert.equal(parsed.errors[0]?.code, 'HOTLINE_PARSE_UNKNOWN_FIELD');
  });

  test('a byte order mark later in the stream is not ignored', () => {
    assert.deepEqual(parseAll('data: a\n\n\uFEFFdata: b\n\n').events, [message('a')]);
  });

  test('the byte order mark is ignored when it arrives as bytes split across chunks', () => {
    const parsed = parseChunks([
      Uint8Array.of(0xef),
      Uint8Array.of(0xbb, 0xbf),
      new TextEncoder().encode('data: a\n\n'),
    ]);
    assert.deepEqual(parsed.events, [message('a')]);
  });

  test('an empty first chunk does not use up the byte order mark check', () => {
    assert.deepEqual(parseChunks(['', '\uFEFFdata: a\n\n']).events, [message('a')]);
  });

  test('data without a final blank line is not dispatched', () => {
    assert.deepEqual(parseAll('data: a\n').events, []);
    assert.deepEqual(parseAll('data: a').events, []);
  });

  test('reset discards a partial line and event but keeps the last event id', () => {
    const events: ParsedEvent[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    parser.feed('id: 4\ndata: a\n\ndata: partial\nda');
    parser.reset();
    parser.feed('ta: b\n\ndata: c\n\n');
    assert.deepEqual(events, [message('a', '4'), message('c', '4')]);
    assert.equal(parser.lastEventId, '4');
  });

  test('reset with a lastEventId replaces the buffer', () => {
    const events: ParsedEvent[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) }, { lastEventId: 'start' });
    parser.feed('data: a\n\n');
    parser.reset({ lastEventId: '' });
    parser.feed('data: b\n\n');
    assert.deepEqual(events, [message('a', 'start'), message('b', '')]);
  });

  test('reset forgets a pending CR, so a LF opening the next stream is a blank line', () => {
    const events: ParsedEvent[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    parser.feed('data: a\r');
    parser.reset();
    parser.feed('\ndata: b\n\n');
    assert.deepEqual(events, [message('b')]);
  });

  test('reset restarts the byte order mark check', () => {
    const events: ParsedEvent[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    parser.feed('\uFEFFdata: a\n\n');
    parser.reset();
    parser.feed('\uFEFFdata: b\n\n');
    assert.deepEqual(events, [message('a'), message('b')]);
  });
});

describe('UTF-8', () => {
  test('a multi-byte character split across byte chunks decodes correctly', () => {
    const bytes = new TextEncoder().encode('data: 𝄞é☃\n\n');
    for (let i = 0; i <= bytes.length; i++) {
      const parsed = parseChunks([bytes.subarray(0, i), bytes.subarray(i)]);
      assert.deepEqual(parsed.events, [message('𝄞é☃')], `split at byte ${i}`);
    }
  });

  test('invalid bytes become U+FFFD', () => {
    const bytes = Uint8Array.of(...new TextEncoder().encode('data: a'), 0xff, 0xc3, 0x28, 0x0a, 0x0a);
    assert.deepEqual(parseAll(bytes).events, [message('a\uFFFD\uFFFD(')]);
  });

  test('an incomplete sequence before a text chunk becomes U+FFFD', () => {
    const parsed = parseChunks([Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xe2, 0x98), '\n\n']);
    assert.deepEqual(parsed.events, [message('\uFFFD')]);
  });

  test('a latin-1 looking stream is still read as UTF-8', () => {
    assert.deepEqual(parseAll(Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xe9, 0x0a, 0x0a)).events, [
      message('\uFFFD'),
    ]);
  });
});

describe('callbacks', () => {
  test('a throwing onEvent is reported to onError and later events still arrive', () => {
    const seen: string[] = [];
    const errors: HotlineError[] = [];
    const parser = createParser({
      onEvent: (e) => {
        seen.push(e.data);
        if (e.data === 'boom') throw new Error('user bug');
      },
      onError: (e) => errors.push(e),
    });
    parser.feed('data: boom\n\ndata: after\n\n');
    assert.deepEqual(seen, ['boom', 'after']);
    assert.equal(errors[0]?.code, 'HOTLINE_CALLBACK_FAILED');
    assert.equal((errors[0]?.cause as Error | undefined)?.message, 'user bug');
  });

  test('without onError, the first callback error is rethrown after the whole chunk is parsed', () => {
    const seen: string[] = [];
    const parser = createParser({
      onEvent: (e) => {
        seen.push(e.data);
        throw new Error(`bad ${e.data}`);
      },
    });
    assert.throws(() => parser.feed('data: 1\n\ndata: 2\n\n'), /bad 1/);
    assert.deepEqual(seen, ['1', '2']);
    parser.feed('data: 3\n');
    assert.throws(() => parser.feed('\n'), /bad 3/);
  });

  test('unknown fields are not reported when there is no onError', () => {
    const events: ParsedEvent[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    parser.feed('bogus: 1\nretry: x\nid: \0\ndata: ok\n\n');
    assert.deepEqual(events, [message('ok')]);
  });
});

const TRICKY_STREAMS = [
  'data: a\r\ndata: b\r\n\r\n',
  'id: 1\rdata: é𝄞\r\revent: x\ndata\n\n',
  '\uFEFF: c\r\ndata:  two\r\r\nretry: 10\n\n',
  'data: a\n\r\n\rdata: b\r\n\n',
  'event: z\nid: \0\nid: 7\ndata: x\ny\n\ndata: tail',
  'data: ☃\r\n: ☃\r\nunknown: ☃\r\n\r\n',
];

describe('every chunk split of tricky streams gives the same result', () => {
  for (const stream of TRICKY_STREAMS) {
    test(`text ${JSON.stringify(stream)}`, () => {
      const whole = parseAll(stream);
      for (const chunks of splits(stream)) assert.deepEqual(parseChunks(chunks), whole, JSON.stringify(chunks));
    });

    test(`bytes ${JSON.stringify(stream)}`, () => {
      const whole = parseAll(stream);
      for (const chunks of byteSplits(stream)) assert.deepEqual(parseChunks(chunks), whole);
    });
  }
});

describe('large inputs', () => {
  test('a 1 MiB line, exactly the default bound, fed one byte at a time', () => {
    const payload = 'x'.repeat((1 << 20) - 'data: '.length);
    const bytes = new TextEncoder().encode(`data: ${payload}\n\n`);
    const events: ParsedEvent[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    for (let i = 0; i < bytes.length; i++) parser.feed(bytes.subarray(i, i + 1));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.data, payload);
  });

  test('100,000 tiny events in one chunk', () => {
    const stream = 'data: x\n\n'.repeat(100_000);
    assert.equal(parseAll(stream).events.length, 100_000);
  });

  test('a long multi-line event keeps every line', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i}`);
    const stream = `${lines.map((l) => `data: ${l}`).join('\r\n')}\r\n\r\n`;
    assert.equal(parseAll(stream).events[0]?.data, lines.join('\n'));
  });
});
