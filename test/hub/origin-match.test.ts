import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createOriginMatcher, LOOPBACK_ORIGINS } from '../../src/hub/origin-match.js';

describe('origin lists', () => {
  const loopback = createOriginMatcher(LOOPBACK_ORIGINS);

  test('`:*` allows its host on any port, or none, and nothing that merely starts like it', () => {
    for (const origin of [
      'http://localhost:5173',
      'http://localhost',
      'http://127.0.0.1:8080',
      'http://[::1]:3000',
      'http://[::1]',
    ])
      assert.ok(loopback(origin), origin);
    for (const origin of [
      'https://localhost:5173', // another scheme
      'http://localhost:5173.evil.example',
      'http://localhost.evil.example',
      'http://localhost:',
      'http://localhost:123456',
      'http://localhost:51a3',
      'http://evil.example/http://localhost:5173',
      'http://[::1]evil',
      'null',
      '',
    ])
      assert.ok(!loopback(origin), origin);
  });

  test('exact origins match exactly; `*` is left to the caller', () => {
    const matches = createOriginMatcher(['https://app.example', '*']);
    assert.ok(matches('https://app.example'));
    assert.ok(!matches('https://app.example:8443'));
    assert.ok(!matches('https://other.example'));
  });

  test('an origin matches `http://h:*` exactly when it is http://h, or http://h:<1–5 digits> (property)', () => {
    const matches = createOriginMatcher(['http://h:*']);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (suffix) => {
        const expected = suffix === '' || /^:\d{1,5}$/.test(suffix);
        assert.equal(matches(`http://h${suffix}`), expected, JSON.stringify(suffix));
      }),
    );
  });

  test('a 16 KiB hostile Origin is judged in one pass', () => {
    // Linear by construction (one lastIndexOf, one digit scan); this prints what it costs, no timing assert.
    const hostile = `http://localhost:${'1'.repeat(16 * 1024)}`;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) assert.ok(!loopback(hostile));
    console.log(`1000 × 16 KiB origins: ${(performance.now() - started).toFixed(1)} ms`);
  });
});
