/**
 * The two shapes of a subscription (Mercure 0.x and 1.0) built from one record, and the subscriptions-API
 * paths that name them: every id the hub builds parses back to the subscription it names.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  expandVariable,
  type MatcherKind,
  parseRecord,
  recordAnswers,
  resourceId,
  type SubscriptionRecord,
  toResource,
} from '../../../src/hub/fanout/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { parseSubscriptionsPath } from '../../../src/hub/routes/subscriptions-path.js';

const record = (kind: MatcherKind, source: string, subscriber = 'urn:uuid:1'): SubscriptionRecord => ({
  subscriber,
  kind,
  source,
});

describe('subscription resources', () => {
  // spec(Mercure 1.0 §Subscription Events): "the value of each variable MUST be percent-encoded exactly once
  // during expansion, encoding the raw matcher or subscriber string as a whole (any `%` characters it already
  // contains are themselves encoded). Hubs MUST NOT double-encode an already-encoded value."
  test('a variable is percent-encoded once, as RFC 6570 simple expansion does, % included', () => {
    assert.equal(expandVariable('https://example.com/:selector'), 'https%3A%2F%2Fexample.com%2F%3Aselector');
    assert.equal(expandVariable("a*b!c'(d)"), 'a%2Ab%21c%27%28d%29');
    assert.equal(expandVariable('/books/%41'), '%2Fbooks%2F%2541');
    assert.equal(expandVariable('é ~._-'), '%C3%A9%20~._-');
  });

  // spec(Mercure 1.0 §Subscription Events): "The topic of these updates MUST be an expansion of
  // `/.well-known/mercure/subscriptions/{matchType}/{match}/{subscriber}`" with `{matchType}` "the matcher type
  // name in its canonical case".
  test('the 1.0 id names the matcher type; the 0.x id the topic selector', () => {
    const exact = record('exact', 'https://example.com/a-topic', 'urn:uuid:1e0c');
    assert.equal(
      resourceId(exact, '1.0'),
      '/.well-known/mercure/subscriptions/Exact/https%3A%2F%2Fexample.com%2Fa-topic/urn%3Auuid%3A1e0c',
    );
    assert.equal(
      resourceId(exact, '0.x'),
      '/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2Fa-topic/urn%3Auuid%3A1e0c',
    );
    assert.equal(
      resourceId(record('urlpattern', '/books/:id'), '1.0'),
      '/.well-known/mercure/subscriptions/URLPattern/%2Fbooks%2F%3Aid/urn%3Auuid%3A1',
    );
    assert.equal(resourceId(record('any', '*'), '1.0'), '/.well-known/mercure/subscriptions/Exact/%2A/urn%3Auuid%3A1');
  });

  test('[NON-SPEC] a URI template has no 1.0 shape; a URL pattern is a 0.x topic selector of its text', () => {
    assert.equal(toResource(record('template', '/books/{id}'), '1.0', true), undefined);
    assert.deepEqual(toResource(record('urlpattern', '/books/:id'), '0.x', false), {
      id: '/.well-known/mercure/subscriptions/%2Fbooks%2F%3Aid/urn%3Auuid%3A1',
      type: 'Subscription',
      topic: '/books/:id',
      subscriber: 'urn:uuid:1',
      active: false,
    });
  });

  // spec(Mercure 1.0 §Subscription Events): the document holds `id` ("MUST be the same value as the
  // subscription update's topic"), `type`, `matchType`, `match`, `subscriber`, `active` and the optional `payload`.
  test('the 1.0 document carries matchType, match and the payload', () => {
    assert.deepEqual(
      toResource({ ...record('urlpattern', 'https://example.com/:selector'), payload: { foo: 'bar' } }, '1.0', true),
      {
        id: '/.well-known/mercure/subscriptions/URLPattern/https%3A%2F%2Fexample.com%2F%3Aselector/urn%3Auuid%3A1',
        type: 'Subscription',
        matchType: 'URLPattern',
        match: 'https://example.com/:selector',
        subscriber: 'urn:uuid:1',
        active: true,
        payload: { foo: 'bar' },
      },
    );
  });

  test('every id the hub builds parses back to the subscription it names, in its generation', () => {
    const kinds: MatcherKind[] = ['any', 'exact', 'template', 'urlpattern'];
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.constantFrom('0.x' as const, '1.0' as const),
        (kind, source, subscriber, generation) => {
          // A 0.x topic literally named like a matcher type is read as 1.0 (documented in subscriptions-path.ts).
          fc.pre(!(generation === '0.x' && (source === 'Exact' || source === 'URLPattern')));
          const subscription = record(kind, source, subscriber);
          const id = resourceId(subscription, generation);
          if (id === undefined) return kind === 'template' && generation === '1.0';
          const query = parseSubscriptionsPath(id);
          assert.ok(query !== undefined);
          assert.equal(query.generation, generation);
          assert.equal(query.source, source);
          assert.equal(query.subscriber, subscriber);
          assert.ok(recordAnswers(subscription, { ...query, generation }));
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });

  test('collection paths of both generations, and paths that name no endpoint', () => {
    assert.deepEqual(parseSubscriptionsPath('/.well-known/mercure/subscriptions'), { generation: undefined });
    assert.deepEqual(parseSubscriptionsPath('/.well-known/mercure/subscriptions/'), { generation: undefined });
    assert.deepEqual(parseSubscriptionsPath('/.well-known/mercure/subscriptions/%2Fa'), {
      generation: '0.x',
      source: '/a',
    });
    assert.deepEqual(parseSubscriptionsPath('/.well-known/mercure/subscriptions/Exact/%2Fa'), {
      generation: '1.0',
      matchType: 'Exact',
      source: '/a',
    });
    // spec(Mercure 1.0 §Subscription Events): "URL path components are case-sensitive."
    assert.deepEqual(parseSubscriptionsPath('/.well-known/mercure/subscriptions/exact/%2Fa'), {
      generation: '0.x',
      source: 'exact',
      subscriber: '/a',
    });
    assert.equal(parseSubscriptionsPath('/.well-known/mercure/subscriptions/a/b/c'), undefined);
    assert.equal(parseSubscriptionsPath('/.well-known/mercure/subscriptions/Exact/a/b/c'), undefined);
  });

  test('a bad percent-escape in any segment of either shape is a 400', () => {
    for (const path of ['%zz', 'Exact/%zz', 'Exact/a/%E0%A4', 'URLPattern/%ED%A0%80', 'a/%zz']) {
      assert.throws(
        () => parseSubscriptionsPath(`/.well-known/mercure/subscriptions/${path}`),
        (error: unknown) => error instanceof HttpRejection && error.status === 400,
        path,
      );
    }
  });

  test('a hostile path costs time linear in its length', () => {
    // Node's header limit (16 KiB) bounds a real path; 1 MiB of segments and of escapes parse in one pass.
    const segments = `/.well-known/mercure/subscriptions/${'a/'.repeat(500_000)}`;
    const escapes = `/.well-known/mercure/subscriptions/Exact/${'%41'.repeat(350_000)}`;
    const started = performance.now();
    assert.equal(parseSubscriptionsPath(segments), undefined);
    assert.equal(parseSubscriptionsPath(escapes)?.source?.length, 350_000);
    console.log(`# 2 MiB of hostile subscriptions paths parsed in ${Math.round(performance.now() - started)} ms`);
  });

  test('a stored value that is not a record is skipped, not trusted', () => {
    for (const value of [
      '',
      'null',
      '[]',
      '{"subscriber":1,"kind":"exact","source":"a"}',
      '{"subscriber":"s","kind":"regex","source":"a"}',
    ]) {
      assert.equal(parseRecord(value), undefined, value);
    }
    assert.deepEqual(parseRecord('{"subscriber":"s","kind":"exact","source":"a"}'), record('exact', 'a', 's'));
  });
});
