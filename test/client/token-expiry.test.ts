import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tokenExpiry } from '../../src/client/token-expiry.js';

/** A JWT-shaped token with this payload (base64url, as JWTs are; the signature is not read). */
function jwt(payload: unknown): string {
  return `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.signature`;
}

describe('tokenExpiry', () => {
  test('a JWT with a numeric exp gives that exp, in seconds since the epoch', () => {
    assert.equal(tokenExpiry(jwt({ sub: 'a', exp: 1_900_000_000 })), 1_900_000_000);
  });

  test('a payload whose base64url uses - and _ is read like any other', () => {
    // '?>' and '~~' encode to base64url with '_' and '-' where base64 has '/' and '+'.
    const token = jwt({ exp: 42, pad: '?>?>~~~' });
    assert.match(token.split('.')[1]!, /[-_]/);
    assert.equal(tokenExpiry(token), 42);
  });

  test('no exp, a non-numeric exp, a token that is not a JWT or a payload that is not JSON give undefined', () => {
    for (const token of [jwt({ sub: 'a' }), jwt({ exp: '42' }), 'opaque-api-key', 'a.!!!.c', `a.${btoa('nope')}.c`])
      assert.equal(tokenExpiry(token), undefined, token);
  });
});
