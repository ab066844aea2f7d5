import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileSelector,
  createTopicMatcher,
  type MatcherSpec,
  selectorKind,
  selectorMatches,
  TEMPLATE_BOUNDS,
  TemplateLimits,
} from '../../../src/hub/topics/index.js';

const HUB = 'https://hub.example/.well-known/mercure';

describe('Mercure 1.0 topic matchers beside 0.x selectors', () => {
  test('`*` is the wildcard whatever the matcher type', () => {
    // spec(Mercure 1.0 §Matcher Types): "It is recognized before the matcher type is resolved, so it has this
    // meaning regardless of matcher type"
    for (const spec of ['*', { matchType: 'Exact', match: '*' }, { matchType: 'URLPattern', match: '*' }] as const) {
      assert.equal(selectorKind(spec), 'any');
      assert.ok(selectorMatches(compileSelector(spec, TEMPLATE_BOUNDS, HUB), 'urn:anything'));
    }
  });

  test('Exact compares byte for byte: never a template, never resolved', () => {
    // spec(Mercure 1.0 §Exact Matching): "The hub MUST NOT resolve relative values against the hub's URL or
    // any other base"
    const template = compileSelector({ matchType: 'Exact', match: '/books/{id}' }, TEMPLATE_BOUNDS, HUB);
    assert.equal(template.kind, 'exact');
    assert.ok(!selectorMatches(template, '/books/1'));
    assert.ok(selectorMatches(template, '/books/{id}'));
    const relative = compileSelector({ matchType: 'Exact', match: '/books/1' }, TEMPLATE_BOUNDS, HUB);
    assert.ok(!selectorMatches(relative, 'https://hub.example/books/1'));
  });

  test('a 0.x string keeps its meaning: exact, or an RFC 6570 template', () => {
    // spec(Mercure 0.x §Topic Selectors): a selector is `*`, an exact topic, or a URI template; the 1.0 text
    // keeps 0.x at the same endpoint (spec-note: a request picks its generation by what it carries).
    assert.equal(selectorKind('/books/{id}'), 'template');
    assert.ok(selectorMatches(compileSelector('/books/{id}', TEMPLATE_BOUNDS), '/books/1'));
    assert.equal(selectorKind('/books/:id'), 'exact');
  });

  test('URLPattern resolves relative patterns and topics against the hub URL', () => {
    // spec(Mercure 1.0 §URL Pattern): "When evaluating a relative pattern or a relative topic, the hub MUST
    // use the hub's URL as the base URL."
    const pattern = compileSelector({ matchType: 'URLPattern', match: '/books/:id' }, TEMPLATE_BOUNDS, HUB);
    assert.equal(pattern.kind, 'urlpattern');
    assert.ok(selectorMatches(pattern, 'https://hub.example/books/1'));
    assert.ok(selectorMatches(pattern, '/books/1'));
    assert.ok(!selectorMatches(pattern, 'https://other.example/books/1'));
    assert.ok(!selectorMatches(pattern, '/books/1/2'));
  });

  test("a token's URL pattern that does not compile matches nothing", () => {
    // spec(Mercure 1.0 §URL Pattern): "When such a limit is reached, the pattern MUST be treated as not matching"
    const invalid = compileSelector({ matchType: 'URLPattern', match: '/books/(' }, TEMPLATE_BOUNDS, HUB);
    assert.ok(!selectorMatches(invalid, '/books/('));
  });

  test('the topic matcher takes rules of both generations, URL patterns per hub URL', () => {
    // spec(Mercure 1.0 §Authorization Details): "A token grants an action on a topic when it carries a `mercure`
    // authorization detail whose `actions` includes that action and one of whose `topics` matches the topic."
    const matcher = createTopicMatcher();
    const rules: MatcherSpec[] = ['/a/{x}', { matchType: 'URLPattern', match: '/b/:x' }];
    assert.ok(matcher.matchesAny(rules, ['/a/1'], HUB));
    assert.ok(matcher.matchesAny(rules, ['https://hub.example/b/1'], HUB));
    assert.ok(!matcher.matchesAny(rules, ['https://hub.example/b/1'], 'https://other.example/.well-known/mercure'));
    assert.ok(matcher.matchesAny(rules, ['https://other.example/b/1'], 'https://other.example/.well-known/mercure'));
  });

  test("a subscribe request's URL patterns count with its templates and are refused when invalid", () => {
    // spec(Mercure 1.0 §Subscription): "hubs SHOULD apply implementation-defined maximums to the number of topic
    // matcher query parameters in a single request and to the length of each matcher's pattern."
    const limits = new TemplateLimits({ ...TEMPLATE_BOUNDS, maxTemplatesPerConnection: 2, maxTemplatesPerIp: 0 });
    const compiled = limits.compile(['/a/{x}', { matchType: 'URLPattern', match: '/b/:x' }], HUB);
    assert.deepEqual(
      compiled.map((s) => s.kind),
      ['template', 'urlpattern'],
    );
    assert.throws(
      () => limits.compile(['/a/{x}', '/c/{x}', { matchType: 'URLPattern', match: '/b/:x' }], HUB),
      (error: Error & { status?: number }) => error.status === 400 && /maxTemplatesPerConnection/.test(error.message),
    );
    assert.throws(
      () => limits.compile([{ matchType: 'URLPattern', match: '/b/(' }], HUB),
      (error: Error & { status?: number }) => error.status === 400 && /not a valid URL pattern/.test(error.message),
    );
  });
});
