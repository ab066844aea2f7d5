import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { HOTLINE_ERROR_CODES, HotlineError, HotlineTypeError, isHotlineError } from '../src/errors.js';

describe('the error catalogue', () => {
  test('docs/errors.md documents every code, and only those', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^## (HOTLINE_[A-Z0-9_]+)$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(documented, Object.keys(HOTLINE_ERROR_CODES).sort());
  });

  test('HotlineError keeps its code and cause', () => {
    const cause = new Error('inner');
    const error = new HotlineError('HOTLINE_CALLBACK_FAILED', 'outer', { cause });
    assert.equal(error.code, 'HOTLINE_CALLBACK_FAILED');
    assert.equal(error.cause, cause);
    assert.equal(error.name, 'HotlineError');
    assert.ok(isHotlineError(error));
  });

  test('HotlineTypeError is a TypeError with a field', () => {
    const error = new HotlineTypeError('HOTLINE_INVALID_FIELD', 'id', 'bad id');
    assert.ok(error instanceof TypeError);
    assert.equal(error.field, 'id');
    assert.ok(isHotlineError(error));
    assert.equal(isHotlineError(new TypeError('x')), false);
  });
});
