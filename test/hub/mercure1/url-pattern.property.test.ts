import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { URLPattern } from 'urlpattern-polyfill/urlpattern';
import { compileUrlPattern, topicIndexKey } from '../../../src/hub/topics/index.js';

const HUB = 'https://hub.example/.well-known/mercure';
const BOUNDS = { maxSelectorLength: 1024, maxTemplateExpressions: 16 };

/** Pattern pieces: literals, escapes, `:name`, `*`, groups with modifiers; names made unique by position. */
const piece = fc.oneof(
  fc.constantFrom('a', 'b', '-', '.', '/', '/', '~', '%2F', '\\:', '\\*'),
  fc.constantFrom(':p', ':p?', ':p+', ':p*', '*', '{/:p}?', '{/:p}*', '{/:p}+', '{a}?', '{-:p}?', '{/*}?'),
  // Regexp groups, run by our automaton (url-pattern-regexp.ts).
  fc.constantFrom(
    ':p(\\d+)',
    '(a|b)',
    ':p([a-c]+)?',
    '(.*)',
    ':p(\\w{1,3})',
    '(x?)',
    ':p([^/]+)*',
    '((?:ab)+)',
    ':p([\\d.~-]{2,})',
    '(\\x61|\\u0062)',
    ':p(\\S)',
    '(\\/)',
    ':p([^\\d])+',
  ),
);
const pathPattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((pieces) => {
  let n = 0;
  return `/${pieces.join('')}`.replace(/:p/g, () => `:p${n++}`);
});
const pattern = fc.oneof(
  pathPattern,
  pathPattern.map((path) => `https://hub.example${path}`),
  pathPattern.map((path) => `https://:host.example${path}`),
  pathPattern.map((path) => `${path}\\?q=:query`),
  pathPattern.map((path) => `${path}#*`),
);
const topicChar = fc.constantFrom('a', 'b', 'x', '1', '23', '-', '.', '/', '/', '~', '%2F', ':', '*', 'é');
// Not `//` first: urlpattern-polyfill re-parses a pathname as a URL relative to `https://example.com`, where
// `//x` is a host, so its test() fails such topics that the URL Pattern standard (and we) match.
const topicPath = fc.array(topicChar, { maxLength: 16 }).map((chars) => `/t${chars.join('')}`);
const topic = fc.oneof(
  topicPath,
  topicPath.map((path) => `https://hub.example${path}`),
  topicPath.map((path) => `https://other.example${path}`),
  topicPath.map((path) => `https://a.b.example${path}?q=1`),
  topicPath.map((path) => `${path}#frag`),
  fc.constantFrom('urn:uuid:1', '*', '', 'https://hub.example:443/a', 'http://hub.example/a'),
);

describe('[property] the linear URL pattern matcher agrees with urlpattern-polyfill', () => {
  test("on random patterns and topics, relative or absolute, our answer is the library's test()", () => {
    // spec(Mercure 1.0 §URL Pattern): "URL patterns are evaluated per the URL Pattern Living Standard"
    fc.assert(
      fc.property(pattern, fc.array(topic, { minLength: 1, maxLength: 8 }), (source, topics) => {
        let reference: URLPattern;
        try {
          reference = new URLPattern(source, HUB);
        } catch {
          const compiled = compileUrlPattern(source, HUB, BOUNDS);
          assert.equal(compiled.ok, false, `the library refuses ${source}, so must we`);
          return;
        }
        const compiled = compileUrlPattern(source, HUB, BOUNDS);
        assert.ok(compiled.ok, `${source}: ${compiled.ok ? '' : compiled.message}`);
        for (const candidate of topics) {
          const matches = compiled.pattern.matches(candidate);
          assert.equal(matches, reference.test(candidate, HUB), `${source} against ${candidate}`);
          // What lets the subscriber index skip this pattern for other topics.
          if (matches) assert.ok(topicIndexKey(candidate, HUB)?.startsWith(compiled.pattern.indexPrefix));
        }
      }),
      { numRuns: 400 },
    );
  });

  test('a relative topic and its absolute form under the hub URL get the same answer', () => {
    // spec(Mercure 1.0 §URL Pattern): "When evaluating a relative pattern or a relative topic, the hub MUST
    // use the hub's URL as the base URL."
    fc.assert(
      fc.property(pattern, topicPath, (source, path) => {
        const compiled = compileUrlPattern(source, HUB, BOUNDS);
        if (!compiled.ok) return;
        assert.equal(compiled.pattern.matches(path), compiled.pattern.matches(new URL(path, HUB).href));
      }),
      { numRuns: 300 },
    );
  });

  test('one topic against several hub URLs, in turn: each answer is the one for its own hub URL', () => {
    // spec(Mercure 1.0 §URL Pattern): "When evaluating a relative pattern or a relative topic, the hub MUST
    // use the hub's URL as the base URL." — `http:x` is relative to an http hub URL, absolute to an https one.
    const hubs = [HUB, 'http://hub.example/.well-known/mercure', 'http://other.example:8080/.well-known/mercure'];
    const quirky = fc.constantFrom(
      'http:/t/a',
      'http:t/a',
      'HTTPS:/t/a',
      'https:t/a',
      'urn:t:a',
      ' /t/a',
      'http:\\\\hub.example/t/a',
    );
    fc.assert(
      fc.property(pattern, fc.array(fc.oneof(topic, quirky), { minLength: 1, maxLength: 4 }), (source, topics) => {
        const compiled = hubs.map((hub) => compileUrlPattern(source, hub, BOUNDS));
        for (const candidate of topics)
          compiled.forEach((result, i) => {
            if (!result.ok) return;
            const expected = new URLPattern(source, hubs[i]).test(candidate, hubs[i]);
            assert.equal(result.pattern.matches(candidate), expected, `${source} ${candidate} ${hubs[i]}`);
          });
      }),
      { numRuns: 300 },
    );
  });
});
