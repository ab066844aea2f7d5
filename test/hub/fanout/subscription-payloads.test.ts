/**
 * Which payload a subscription shows: the 0.x token's one payload, or the 1.0 rule "first `subscribe`
 * detail whose topics match the subscription's own matcher".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type PayloadRule, subscriptionPayloads } from '../../../src/hub/fanout/index.js';
import { compileSelector, type MatcherSpec, TEMPLATE_BOUNDS } from '../../../src/hub/topics/index.js';

const BASE = 'https://hub.example/.well-known/mercure';
const compile = (specs: readonly MatcherSpec[]) => specs.map((spec) => compileSelector(spec, TEMPLATE_BOUNDS, BASE));

// The rules of the text's own example (spec(Mercure 1.0 §Payloads), "Example access token claims carrying
// payloads").
const RULES: PayloadRule[] = [
  { topics: [{ matchType: 'Exact', match: 'https://example.com/foo' }], payload: { custom1: 1 } },
  { topics: [{ matchType: 'URLPattern', match: 'https://example.com/bar/:id' }], payload: { custom2: 2 } },
  { topics: [{ matchType: 'Exact', match: '*' }], payload: { custom3: 3 } },
];

describe('subscription payloads', () => {
  // spec(Mercure 1.0 §Payloads): "The `payload` of the first `subscribe` authorization detail whose `topics`
  // matches the subscription's own matcher […] MUST be included under the `payload` key"; "the `URLPattern`
  // matcher `https://example.com/bar/:id` in a `subscribe` detail matches the subscription created by
  // `matchURLPattern=https://example.com/bar/:id`, and an `Exact` matcher matches a subscription whose matcher
  // string is byte-for-byte identical to it"; "A `subscribe` detail whose `topics` contains the `*` wildcard
  // matches every subscription and can serve as a default."
  test('each subscription gets the payload of the first detail matching its own matcher string', () => {
    const selectors = compile([
      { matchType: 'Exact', match: 'https://example.com/foo' },
      { matchType: 'URLPattern', match: 'https://example.com/bar/:id' },
      { matchType: 'Exact', match: 'https://example.com/bar/7' },
      { matchType: 'Exact', match: 'https://example.com/elsewhere' },
    ]);
    assert.deepEqual(subscriptionPayloads(selectors, RULES, 'unused', compile), [
      { custom1: 1 },
      { custom2: 2 },
      { custom2: 2 },
      { custom3: 3 },
    ]);
  });

  // spec(Mercure 1.0 §Payloads): "Payload selection is order-dependent; the first matching authorization detail
  // wins. Issuers placing broad matchers before more specific entries will mask the payloads of the specific
  // entries."
  test('a broad detail first masks the specific ones after it; no match, no payload', () => {
    const selectors = compile([{ matchType: 'Exact', match: 'https://example.com/foo' }]);
    assert.deepEqual(subscriptionPayloads(selectors, [RULES[2]!, RULES[0]!], undefined, compile), [{ custom3: 3 }]);
    assert.deepEqual(subscriptionPayloads(selectors, [RULES[1]!], { zero: true }, compile), [undefined]);
  });

  test('a 0.x token shows its one payload on every subscription', () => {
    const selectors = compile(['/a', '/b/{id}', '*']);
    assert.deepEqual(subscriptionPayloads(selectors, undefined, { user: 'ann' }, compile), [
      { user: 'ann' },
      { user: 'ann' },
      { user: 'ann' },
    ]);
  });
});
