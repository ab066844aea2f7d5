import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Subscriber } from '../../../src/hub/fanout/subscriber.js';
import { SubscriberIndex } from '../../../src/hub/fanout/subscriber-index.js';
import {
  compileSelector,
  compileUrlPattern,
  type MatcherSpec,
  TEMPLATE_BOUNDS,
  topicIndexKey,
} from '../../../src/hub/topics/index.js';
import type { StoredUpdate } from '../../../src/hub/update.js';

const HUBS = ['https://hub.example/.well-known/mercure', 'http://other.example:8080/.well-known/mercure'];
const stream = { writeFrame: () => true, close: () => {}, closed: false };

const ruleArb: fc.Arbitrary<MatcherSpec> = fc.oneof(
  fc.constantFrom('/books/{id}', '/books/1', '*'),
  fc.constantFrom(
    ...[
      '/books/:id',
      '/books/*',
      '/books{/:id}?',
      '/:section/1',
      'https://hub.example/books/:id',
      'https://:sub.example/*',
      'http://other.example\\:8080/books/:id',
      '*',
      '/books/1',
    ].map((match): MatcherSpec => ({ matchType: 'URLPattern', match })),
  ),
  fc
    .constantFrom('/books/1', 'https://hub.example/books/1')
    .map((match): MatcherSpec => ({ matchType: 'Exact', match })),
);
const topicArb = fc.constantFrom(
  '/books/1',
  '/books/2/3',
  '/books',
  '/news/1',
  'https://hub.example/books/1',
  'https://a.sub.example/x',
  'https://sub.example/x',
  'http://other.example:8080/books/9',
  'urn:uuid:1',
  '/books/{id}',
);

let position = 0;
function update(topics: string[]): StoredUpdate {
  position++;
  return {
    id: `u${position}`,
    topics,
    data: '',
    private: false,
    type: undefined,
    retry: undefined,
    publishedAt: 0,
    position,
  };
}

describe('[property] the subscriber index finds URL-pattern subscribers as a scan would', () => {
  test('index recipients = subscribers whose selectors match, across hub URLs and generations', () => {
    // spec(Mercure 1.0 §Subscription): "The subscriber receives updates for all topics matching at least one
    // topic matcher according to the matcher type rules."
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ rules: fc.array(ruleArb, { minLength: 1, maxLength: 3 }), hub: fc.constantFrom(...HUBS) }),
          {
            maxLength: 10,
          },
        ),
        fc.array(topicArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(9), { maxLength: 4 }),
        (specs, topics, removed) => {
          const index = new SubscriberIndex();
          const subscribers = specs.map(
            ({ rules, hub }, i) =>
              new Subscriber({
                id: `s${i}`,
                selectors: rules.map((rule) => compileSelector(rule, TEMPLATE_BOUNDS, hub)),
                privateSelectors: [],
                payload: undefined,
                stream,
              }),
          );
          for (const subscriber of subscribers) index.add(subscriber);
          for (const i of removed) if (subscribers[i] !== undefined) index.remove(subscribers[i]);
          const kept = subscribers.filter((subscriber) => index.has(subscriber));
          const u = update(topics);
          const found: string[] = [];
          index.forEachRecipient(u, (subscriber) => found.push(subscriber.id));
          assert.deepEqual(
            found.sort(),
            kept
              .filter((s) => s.wants(u))
              .map((s) => s.id)
              .sort(),
          );
          if (kept.length === 0) assert.equal(index.patternCount, 0, 'patterns leave with their last subscriber');
        },
      ),
      { numRuns: 500 },
    );
  });

  test("a topic a pattern matches always has an index key starting with the pattern's prefix", () => {
    // spec(Mercure 1.0 §URL Pattern): "Host components remain case-insensitive as defined by URL canonicalization
    // [RFC3986]; all other components are case-sensitive." — so the canonical host and path start are exact keys.
    const patterns = ['/books/:id', '/books{/:id}?', 'https://hub.example/b/*', 'https://:s.example/*', '/x/*/y', '*'];
    fc.assert(
      fc.property(fc.constantFrom(...patterns), topicArb, fc.constantFrom(...HUBS), (source, topic, hub) => {
        const compiled = compileUrlPattern(source, hub, TEMPLATE_BOUNDS);
        assert.ok(compiled.ok);
        if (compiled.pattern.matches(topic))
          assert.ok(topicIndexKey(topic, hub)?.startsWith(compiled.pattern.indexPrefix), `${source} ${topic}`);
      }),
    );
  });
});
