import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HotlineTypeError } from '../../src/errors.js';
import { encodeComment, encodeEvent, formatComment, formatData, formatEvent } from '../../src/protocol/encode.js';
import { parseAll } from '../fixtures/collect.js';

describe('formatEvent', () => {
  test('a string data event is one data line and a blank line', () => {
    assert.equal(formatEvent({ data: 'hello' }), 'data: hello\n\n');
  });

  test('fields are written in the order comment, event, id, retry, data', () => {
    assert.equal(
      formatEvent({ comment: 'c', event: 'tick', id: '7', retry: 1500, data: 'x' }),
      ': c\nevent: tick\nid: 7\nretry: 1500\ndata: x\n\n',
    );
  });

  test('multi-line data is split on LF, CR and CRLF into separate data lines', () => {
    assert.equal(formatEvent({ data: 'a\nb\rc\r\nd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  test('an empty string still produces an event with empty data', () => {
    assert.equal(formatEvent({ data: '' }), 'data: \n\n');
    assert.deepEqual(parseAll(formatEvent({ data: '' })).events, [{ type: 'message', data: '', lastEventId: '' }]);
  });

  test('data ending in a line break keeps the trailing empty line', () => {
    assert.equal(formatEvent({ data: 'a\n' }), 'data: a\ndata: \n\n');
    assert.equal(parseAll(formatEvent({ data: 'a\n' })).events[0]?.data, 'a\n');
  });

  test('a value starting with a space survives the round trip', () => {
    const frame = formatEvent({ data: '  two spaces', event: ' spaced', id: ' 1' });
    assert.deepEqual(parseAll(frame).events, [{ type: ' spaced', data: '  two spaces', lastEventId: ' 1' }]);
  });

  test('non-string data is serialized as JSON', () => {
    assert.equal(formatEvent({ data: { price: 1.5, symbol: 'ACME' } }), 'data: {"price":1.5,"symbol":"ACME"}\n\n');
    assert.equal(formatEvent({ data: 42 }), 'data: 42\n\n');
    assert.equal(formatEvent({ data: null }), 'data: null\n\n');
  });

  test('JSON with line separators inside strings stays on one line', () => {
    // JSON.stringify escapes \n inside strings, so a JSON payload never needs a second data line.
    assert.equal(formatEvent({ data: { text: 'a\nb' } }), 'data: {"text":"a\\nb"}\n\n');
  });

  test('undefined data writes no data line, so only id and retry reach the receiver', () => {
    assert.equal(formatEvent({ id: '5', retry: 0 }), 'id: 5\nretry: 0\n\n');
    const parsed = parseAll(`${formatEvent({ id: '5', retry: 0 })}${formatEvent({ data: 'x' })}`);
    assert.deepEqual(parsed.events, [{ type: 'message', data: 'x', lastEventId: '5' }]);
    assert.deepEqual(parsed.retries, [0]);
  });

  test('an empty id is written, because it resets the receiver', () => {
    assert.equal(formatEvent({ id: '', data: 'x' }), 'id: \ndata: x\n\n');
    const parsed = parseAll(`${formatEvent({ id: '9', data: 'a' })}${formatEvent({ id: '', data: 'b' })}`);
    assert.deepEqual(
      parsed.events.map((e) => e.lastEventId),
      ['9', ''],
    );
  });

  test('retry: 0 is kept', () => {
    assert.equal(formatEvent({ retry: 0 }), 'retry: 0\n\n');
  });

  for (const [field, value] of [
    ['event', 'tick\nid: forged'],
    ['event', 'tick\r'],
    ['id', '1\ndata: forged'],
    ['id', '1\r'],
    ['id', 'a\0b'],
  ] as const) {
    test(`${field} ${JSON.stringify(value)} throws a TypeError naming the field`, () => {
      assert.throws(
        () => formatEvent({ [field]: value, data: 'x' }),
        (error: unknown) =>
          error instanceof TypeError &&
          error instanceof HotlineTypeError &&
          error.field === field &&
          error.code === 'HOTLINE_INVALID_FIELD' &&
          error.message.includes(field),
      );
    });
  }

  for (const retry of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
    test(`retry ${retry} throws a TypeError naming retry`, () => {
      assert.throws(
        () => formatEvent({ retry }),
        (error: unknown) => error instanceof HotlineTypeError && error.field === 'retry',
      );
    });
  }

  test('a non-string event or id throws rather than being coerced', () => {
    assert.throws(() => formatEvent({ event: 5 as unknown as string }), TypeError);
    assert.throws(() => formatEvent({ id: {} as unknown as string }), TypeError);
  });

  test('data without a JSON form throws a TypeError naming data', () => {
    assert.throws(
      () => formatEvent({ data: () => 1 }),
      (e: unknown) => e instanceof HotlineTypeError && e.field === 'data',
    );
    assert.throws(
      () => formatEvent({ data: Symbol('s') }),
      (e: unknown) => e instanceof HotlineTypeError,
    );
    assert.throws(
      () => formatEvent({ data: 10n }),
      (e: unknown) => e instanceof HotlineTypeError && e.cause instanceof TypeError,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(
      () => formatEvent({ data: cyclic }),
      (e: unknown) => e instanceof HotlineTypeError,
    );
  });
});

describe('formatComment', () => {
  test('a comment is one line that starts with a colon', () => {
    assert.equal(formatComment('heartbeat 15000'), ': heartbeat 15000\n');
    assert.equal(formatComment(''), ': \n');
  });

  test('a multi-line comment cannot leak into a field', () => {
    assert.equal(formatComment('a\ndata: forged\r\nb'), ': a\n: data: forged\n: b\n');
    assert.deepEqual(parseAll(`${formatComment('a\ndata: forged')}\n`).events, []);
  });

  test('comments round-trip through the parser', () => {
    assert.deepEqual(parseAll(formatComment('x\ny')).comments, ['x', 'y']);
  });
});

describe('byte encoders', () => {
  test('encodeEvent is the UTF-8 of formatEvent', () => {
    const fields = { event: 'prix', id: 'é1', data: 'naïve ☃ 𝄞' };
    assert.deepEqual(encodeEvent(fields), new TextEncoder().encode(formatEvent(fields)));
  });

  test('encodeComment is the UTF-8 of formatComment', () => {
    assert.deepEqual(encodeComment('ok'), new TextEncoder().encode(': ok\n'));
  });

  test('formatData alone writes only data lines', () => {
    assert.equal(formatData('a\nb'), 'data: a\ndata: b\n');
  });
});
