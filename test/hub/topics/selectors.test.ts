import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Subscriber } from '../../../src/hub/fanout/subscriber.js';
import { SubscriberIndex } from '../../../src/hub/fanout/subscriber-index.js';
import {
  compileSelector,
  createTopicMatcher,
  selectorKind,
  TEMPLATE_BOUNDS,
} from '../../../src/hub/topics/selectors.js';
import type { StoredUpdate } from '../../../src/hub/update.js';

describe('topic selectors', () => {
  const matcher = createTopicMatcher();

  test('* matches every topic', () => {
    assert.ok(matcher.matches('*', 'https://example.com/a'));
    assert.ok(matcher.matches('*', ''));
  });

  test('a selector without braces matches only itself, byte for byte', () => {
    assert.ok(matcher.matches('https://example.com/a', 'https://example.com/a'));
    assert.ok(!matcher.matches('https://example.com/a', 'https://example.com/A'));
    assert.ok(!matcher.matches('https://example.com/a', 'https://example.com/a/'));
  });

  test('URI templates match by RFC 6570, and a simple variable never spans a slash', () => {
    assert.ok(matcher.matches('https://example.com/books/{id}', 'https://example.com/books/1'));
    assert.ok(!matcher.matches('https://example.com/books/{id}', 'https://example.com/books/1/2'));
    assert.ok(!matcher.matches('https://example.com/books/{id}', 'https://example.com/authors/1'));
    assert.ok(matcher.matches('https://example.com/{+path}', 'https://example.com/a/b/c'));
    assert.ok(matcher.matches('/users/{id}/inbox', '/users/42/inbox'));
  });

  test('optional path segments match with or without them, as subscription selectors need', () => {
    const selector = '/.well-known/mercure/subscriptions{/topic}{/subscriber}';
    assert.ok(matcher.matches(selector, '/.well-known/mercure/subscriptions'));
    assert.ok(matcher.matches(selector, '/.well-known/mercure/subscriptions/%2Fa'));
    assert.ok(matcher.matches(selector, '/.well-known/mercure/subscriptions/%2Fa/urn%3Ab'));
    assert.ok(!matcher.matches(selector, '/.well-known/mercure/subscriptions/a/b/c'));
  });

  test('an invalid template matches nothing but itself and never throws', () => {
    assert.ok(!matcher.matches('/books/{id', '/books/1'));
    assert.ok(matcher.matches('/books/{id', '/books/{id'));
  });

  test('matchesAny needs one selector to match one topic', () => {
    assert.ok(matcher.matchesAny(['/a', '/b/{x}'], ['/c', '/b/1']));
    assert.ok(!matcher.matchesAny(['/a'], ['/b']));
    assert.ok(!matcher.matchesAny([], ['/b']));
  });

  test('a template past the bounds, in a token or a policy, matches only itself', () => {
    const bounded = createTopicMatcher({ maxSelectorLength: 12, maxTemplateExpressions: 2 });
    assert.ok(bounded.matches('/a/{b}', '/a/1'));
    assert.ok(!bounded.matches('/long/path/{b}', '/long/path/1'), 'longer than 12 characters');
    assert.ok(bounded.matches('/long/path/{b}', '/long/path/{b}'));
    assert.ok(!bounded.matches('{a}{b}{c}', 'x'), 'three expressions');
    assert.ok(!bounded.matches('{a,b,c}', 'x'), 'three variables count as three expressions');
    assert.ok(bounded.matches('{a,b}', 'x'));
  });

  test('selectorKind classifies selectors', () => {
    assert.equal(selectorKind('*'), 'any');
    assert.equal(selectorKind('/a'), 'exact');
    assert.equal(selectorKind('/a/{b}'), 'template');
  });
});

describe('the subscriber index', () => {
  const stream = { writeFrame: () => true, close: () => {}, closed: false };
  const compile = (selectors: string[]) => selectors.map((s) => compileSelector(s, TEMPLATE_BOUNDS));
  const make = (id: string, selectors: string[], privateSelectors: string[] = []) =>
    new Subscriber({
      id,
      selectors: compile(selectors),
      privateSelectors: compile(privateSelectors),
      payload: undefined,
      stream,
    });
  let position = 0;
  const update = (topics: string[], isPrivate = false): StoredUpdate => ({
    id: `u${++position}`,
    topics,
    data: '',
    private: isPrivate,
    type: undefined,
    retry: undefined,
    publishedAt: 0,
    position,
  });

  test('finds exactly the subscribers a naive scan of every subscriber would find', () => {
    const topicArb = fc.constantFrom('/a', '/b', '/books/1', '/books/2', '/books/1/x', '/users/7/inbox');
    const selectorArb = fc.constantFrom(
      '/a',
      '/b',
      '*',
      '/books/{id}',
      '/books/{+rest}',
      '/users/{id}/inbox',
      '/nothing',
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            selectors: fc.array(selectorArb, { minLength: 1, maxLength: 3 }),
            claims: fc.array(selectorArb, { maxLength: 2 }),
          }),
          {
            maxLength: 12,
          },
        ),
        fc.array(topicArb, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (specs, topics, isPrivate) => {
          const index = new SubscriberIndex();
          const subscribers = specs.map((s, i) => make(`s${i}`, s.selectors, s.claims));
          for (const s of subscribers) index.add(s);
          const u = update(topics, isPrivate);
          const found: string[] = [];
          index.forEachRecipient(u, (s) => found.push(s.id));
          const expected = subscribers.filter((s) => s.wants(u)).map((s) => s.id);
          assert.deepEqual([...found].sort(), [...expected].sort());
          assert.equal(new Set(found).size, found.length, 'each subscriber at most once');
        },
      ),
      { numRuns: 500 },
    );
  });

  test('with random templates, and some subscribers gone, finds exactly what a naive scan finds', () => {
    const pieceArb = fc.constantFrom('/', 'a', 'b', '/books', '/books/', '1', 'x', '.', '?');
    const expressionArb = fc.constantFrom('{id}', '{+rest}', '{/seg}', '{/a,b}', '{.ext}', '{?q}', '{&a*}', '{id');
    const templateArb = fc
      .array(fc.oneof(pieceArb, expressionArb), { minLength: 1, maxLength: 4 })
      .map((parts) => parts.join(''));
    const selectorArb = fc.oneof(templateArb, pieceArb, fc.constant('*'));
    const topicArb = fc.array(fc.constantFrom('/', 'a', 'b', '/books', '1', 'x', '.', '?q=1', '&a=2', 'é'), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            selectors: fc.array(selectorArb, { minLength: 1, maxLength: 4 }),
            claims: fc.array(selectorArb, { maxLength: 2 }),
            leaves: fc.boolean(),
          }),
          { maxLength: 12 },
        ),
        fc.array(topicArb, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (specs, topicParts, isPrivate) => {
          const index = new SubscriberIndex();
          const subscribers = specs.map((s, i) => make(`s${i}`, s.selectors, s.claims));
          for (const s of subscribers) index.add(s);
          const staying = subscribers.filter((_, i) => !specs[i]!.leaves);
          for (const [i, s] of subscribers.entries()) if (specs[i]!.leaves) index.remove(s);
          // Topics equal to a selector too: a template matches its own text.
          const topics = topicParts.map((parts) => parts.join(''));
          if (specs[0] !== undefined) topics.push(specs[0].selectors[0]!);
          // Two updates in a row through the same index: what one update marks must not hide the next.
          for (const u of [update(topics, isPrivate), update([...topics].reverse(), !isPrivate)]) {
            const found: string[] = [];
            index.forEachRecipient(u, (s) => found.push(s.id));
            const expected = staying.filter((s) => s.wants(u)).map((s) => s.id);
            assert.deepEqual([...found].sort(), [...expected].sort(), JSON.stringify({ specs, topics }));
            assert.equal(new Set(found).size, found.length, 'each subscriber at most once');
          }
          const templates = new Set(staying.flatMap((s) => s.topicSelectors.filter((t) => t.kind === 'template')));
          assert.equal(index.templateCount, new Set([...templates].map((t) => t.source)).size);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('subscribers sharing a template share one compiled matcher, held until the last one leaves', () => {
    const index = new SubscriberIndex();
    const first = make('first', ['/t/{x}', '/u/{y}']);
    const second = make('second', ['/t/{x}']);
    index.add(first);
    index.add(second);
    assert.equal(index.templateCount, 2);
    index.remove(first);
    assert.equal(index.templateCount, 1);
    const found: string[] = [];
    index.forEachRecipient(update(['/t/1', '/u/1']), (s) => found.push(s.id));
    assert.deepEqual(found, ['second']);
    index.remove(second);
    assert.equal(index.templateCount, 0);
  });

  test('a removed subscriber is never visited again and the index empties', () => {
    const index = new SubscriberIndex();
    const s = make('gone', ['/a', '*', '/t/{x}']);
    index.add(s);
    index.remove(s);
    let visits = 0;
    index.forEachRecipient(update(['/a', '/t/1']), () => visits++);
    assert.equal(visits, 0);
    assert.equal(index.size, 0);
  });
});
