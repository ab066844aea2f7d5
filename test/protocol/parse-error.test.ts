import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HotlineError as HotlineErrorType } from '../../src/errors.js';
import { createParser, HotlineError, PARSE_ERROR_VALUE_MAX_CHARS, ParseError } from '../../src/protocol/index.js';
import { parseAll, parseChunks, splits } from '../fixtures/collect.js';

/** The one error in `errors`, checked to be a ParseError. */
function onlyParseError(errors: HotlineErrorType[]): ParseError {
  assert.equal(errors.length, 1, `expected one error, got ${errors.map((e) => e.code).join(', ')}`);
  const [error] = errors;
  assert.ok(error instanceof ParseError, 'the error is a ParseError');
  return error;
}

/** The parts of a ParseError that tests compare. */
const fieldsOf = (error: ParseError) => ({
  code: error.code,
  field: error.field,
  value: error.value,
  line: error.line,
});

describe('parse errors name the offending field and value', () => {
  test('a retry that is not all digits names retry, its raw value and the line', () => {
    const error = onlyParseError(parseAll('retry: 10s\n\n').errors);
    assert.deepEqual(fieldsOf(error), {
      code: 'HOTLINE_PARSE_INVALID_RETRY',
      field: 'retry',
      value: '10s',
      line: 'retry: 10s',
    });
  });

  test('an unknown field names the field, its value and the line', () => {
    const error = onlyParseError(parseAll('Data:  x\n\n').errors);
    assert.deepEqual(fieldsOf(error), {
      code: 'HOTLINE_PARSE_UNKNOWN_FIELD',
      field: 'Data',
      value: ' x',
      line: 'Data:  x',
    });
  });

  test('an unknown field without a colon has an empty value', () => {
    const error = onlyParseError(parseAll('foo\n\n').errors);
    assert.deepEqual(fieldsOf(error), { code: 'HOTLINE_PARSE_UNKNOWN_FIELD', field: 'foo', value: '', line: 'foo' });
  });

  test('an id with NUL names id and its value, NUL included', () => {
    const error = onlyParseError(parseAll('id: a\0b\ndata: x\n\n').errors);
    assert.equal(error.code, 'HOTLINE_PARSE_INVALID_ID');
    assert.equal(error.field, 'id');
    assert.equal(error.value, 'a\0b');
  });

  test('an id with NUL read outside the hot loop names the same field and value', () => {
    // A CR line end sends the text through the general loop.
    const error = onlyParseError(parseAll('id: a\0b\rdata: x\r\r').errors);
    assert.equal(error.field, 'id');
    assert.equal(error.value, 'a\0b');
  });

  test('[NON-SPEC] an over-long data line names data and its value up to the bound', () => {
    const error = onlyParseError(parseChunks([`data: ${'x'.repeat(100)}\n\n`], { maxEventBytes: 50 }).errors);
    assert.equal(error.code, 'HOTLINE_PARSE_EVENT_TOO_LARGE');
    assert.equal(error.field, 'data');
    assert.equal(error.value, 'x'.repeat(50 - 'data: '.length));
    assert.equal(error.line, undefined);
  });

  test('[NON-SPEC] an event that grows past the bound names the line that took it past', () => {
    const stream = 'data: 01234567890123456789\nevent: abcdefghijklmno\n\n';
    const error = onlyParseError(parseChunks([stream], { maxEventBytes: 30 }).errors);
    assert.deepEqual(fieldsOf(error), {
      code: 'HOTLINE_PARSE_EVENT_TOO_LARGE',
      field: 'event',
      value: 'abcdefghijklmno',
      line: undefined,
    });
  });

  test('[NON-SPEC] an over-long comment line has an empty field and the comment as its value', () => {
    const error = onlyParseError(parseChunks([`: ${'c'.repeat(60)}\n`], { maxEventBytes: 50 }).errors);
    assert.equal(error.field, '');
    assert.equal(error.value, 'c'.repeat(50 - ': '.length));
  });
});

describe('chunked input gives the same error', () => {
  const cases = [
    ['retry: 1.5\n\n', {}],
    ['event: e\nfoo: bar\n\n', {}],
    ['id: \0\n\n', {}],
    ['retry: x\r\n\r\n', {}],
    [`data: ${'y'.repeat(40)}\n\n`, { maxEventBytes: 20 }],
    [`: ${'y'.repeat(40)}\r\n`, { maxEventBytes: 20 }],
  ] as const;
  for (const [stream, options] of cases) {
    test(`${JSON.stringify(stream)} cut anywhere`, () => {
      const whole = fieldsOf(onlyParseError(parseChunks([stream], options).errors));
      for (const chunks of splits(stream)) {
        assert.deepEqual(fieldsOf(onlyParseError(parseChunks(chunks, options).errors)), whole, JSON.stringify(chunks));
      }
    });
  }
});

describe('an error never holds a long value', () => {
  test(`value and line are cut to ${PARSE_ERROR_VALUE_MAX_CHARS} characters, ending in an ellipsis`, () => {
    const value = 'v'.repeat(10_000);
    const error = onlyParseError(parseAll(`retry: ${value}\n\n`).errors);
    assert.equal(error.value.length, PARSE_ERROR_VALUE_MAX_CHARS);
    assert.equal(error.value, `${'v'.repeat(PARSE_ERROR_VALUE_MAX_CHARS - 1)}…`);
    assert.equal(error.line?.length, PARSE_ERROR_VALUE_MAX_CHARS);
    assert.ok(error.line?.startsWith('retry: vvv'));
  });

  test('a value of exactly the bound is kept whole', () => {
    const value = 'v'.repeat(PARSE_ERROR_VALUE_MAX_CHARS);
    assert.equal(onlyParseError(parseAll(`retry: ${value}\n\n`).errors).value, value);
  });

  test('a long unknown field name is cut too', () => {
    const name = 'n'.repeat(1000);
    const error = onlyParseError(parseAll(`${name}: v\n\n`).errors);
    assert.equal(error.field.length, PARSE_ERROR_VALUE_MAX_CHARS);
  });

  test('[NON-SPEC] a megabyte line past the bound yields a short value', () => {
    const line = `data: ${'z'.repeat(1 << 20)}`;
    const chunks = [line.slice(0, 1000), line.slice(1000), '\n\n'];
    const error = onlyParseError(parseChunks(chunks, { maxEventBytes: 4096 }).errors);
    assert.equal(error.field, 'data');
    assert.equal(error.value.length, PARSE_ERROR_VALUE_MAX_CHARS);
  });
});

describe('the public export', () => {
  test('a parse error is a ParseError and a HotlineError through hotline/protocol', () => {
    const error = onlyParseError(parseAll('retry: no\n\n').errors);
    assert.ok(error instanceof HotlineError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ParseError');
  });

  test('a throwing callback is still a plain HotlineError, with its cause', () => {
    const errors: HotlineErrorType[] = [];
    const thrown = new Error('boom');
    const parser = createParser({
      onEvent: () => {
        throw thrown;
      },
      onError: (error) => errors.push(error),
    });
    parser.feed('data: x\n\n');
    assert.equal(errors.length, 1);
    assert.equal(errors[0] instanceof ParseError, false);
    assert.equal(errors[0]?.cause, thrown);
  });
});
