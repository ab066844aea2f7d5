import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { jsonTextTooDeep, jsonValueTooDeep, MAX_JSON_DEPTH } from '../../src/hub/json-depth.js';

/** The nesting depth of a parsed JSON value, the outermost array or object counting as 1. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

const nested = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`;

describe('JSON depth bound', () => {
  test(`text and value nested exactly ${MAX_JSON_DEPTH} deep pass, one more does not`, () => {
    assert.equal(jsonTextTooDeep(nested(MAX_JSON_DEPTH)), false);
    assert.equal(jsonTextTooDeep(nested(MAX_JSON_DEPTH + 1)), true);
    assert.equal(jsonValueTooDeep(JSON.parse(nested(MAX_JSON_DEPTH))), false);
    assert.equal(jsonValueTooDeep(JSON.parse(nested(MAX_JSON_DEPTH + 1))), true);
  });

  test('objects count like arrays, and a value 200,000 deep is measured without recursion', () => {
    const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`;
    assert.equal(jsonTextTooDeep(objects), true);
    assert.equal(jsonValueTooDeep(JSON.parse(objects)), true);
    assert.equal(jsonValueTooDeep(JSON.parse(nested(200_000))), true);
  });

  test('brackets inside strings (escaped quotes too) do not count', () => {
    const text = JSON.stringify({ s: `"\\${'['.repeat(500)}`, t: '{'.repeat(500) });
    assert.equal(jsonTextTooDeep(text), false);
  });

  test('a string ending in an escaped backslash closes; an escaped quote does not', () => {
    const closed = `{"a":"x\\\\","b":${nested(MAX_JSON_DEPTH)}}`;
    assert.equal(JSON.parse(closed).a, 'x\\');
    assert.equal(jsonTextTooDeep(closed), true);
    const open = `{"a":"x\\"${'['.repeat(500)}"}`;
    assert.equal(JSON.parse(open).a, `x"${'['.repeat(500)}`);
    assert.equal(jsonTextTooDeep(open), false);
  });

  test('both agree with the real depth of any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat({ max: 4 }), (value, extra) => {
        // Wrap the value so some cases cross the limit.
        let wrapped: unknown = value;
        const levels = MAX_JSON_DEPTH - 5 + extra;
        for (let i = 0; i < levels; i++) wrapped = [wrapped];
        const tooDeep = depthOf(wrapped) > MAX_JSON_DEPTH;
        assert.equal(jsonValueTooDeep(wrapped), tooDeep);
        assert.equal(jsonTextTooDeep(JSON.stringify(wrapped)), tooDeep);
      }),
      { numRuns: 300 },
    );
  });
});
