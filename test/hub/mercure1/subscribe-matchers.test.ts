import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { hubUrl } from '../../../src/hub/request-url.js';
import { parseSubscribeMatchers } from '../../../src/hub/routes/subscribe-matchers.js';

const LIMITS = { maxTopics: 256, maxSelectorLength: 1024 };
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function refusedWith400(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch (error) {
    return error instanceof HttpRejection && error.status === 400;
  }
}

describe('subscribe matcher parameters, parsed from the raw query', () => {
  test('each parameter becomes a rule, in query order; aliases map to their type', () => {
    // spec(Mercure 1.0 §Subscription): "A subscription is created for every topic matcher query parameter
    // present in the request."
    const rules = parseSubscribeMatchers(
      '?topic=%2Fa%2F%7Bid%7D&match=%2Fb&matchExact=c+d&matchURLPattern=%2Fe%2F%3Aid&match_urlpattern=%2Ff&other=1',
      LIMITS,
    );
    assert.deepEqual(rules, [
      '/a/{id}',
      { matchType: 'Exact', match: '/b' },
      { matchType: 'Exact', match: 'c d' },
      { matchType: 'URLPattern', match: '/e/:id' },
      { matchType: 'URLPattern', match: '/f' },
    ]);
  });

  test('[property] valid UTF-8 values decode exactly as URLSearchParams decodes them', () => {
    // spec(Mercure 1.0 §Subscription): "The value of each topic matcher query parameter MUST be valid UTF-8"
    const value = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !CONTROL.test(s));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('match', 'matchURLPattern', 'topic'), value), { minLength: 1, maxLength: 8 }),
        (pairs) => {
          const search = new URLSearchParams(pairs).toString();
          const rules = parseSubscribeMatchers(search, LIMITS);
          assert.deepEqual(
            rules.map((rule) => (typeof rule === 'string' ? rule : rule.match)),
            pairs.map(([, v]) => v),
          );
        },
      ),
    );
  });

  test('[property] any query either parses or is refused with a 400, never another error', () => {
    const raw = fc.array(
      fc.constantFrom('match', 'MATCH', 'topic', '=', '&', '%', 'FF', 'C2', '80', '00', '+', 'a', 'é', '%E2%82'),
      {
        maxLength: 30,
      },
    );
    fc.assert(
      fc.property(raw, (pieces) => {
        const search = pieces.join('');
        try {
          parseSubscribeMatchers(search, LIMITS);
        } catch (error) {
          assert.ok(error instanceof HttpRejection && error.status === 400, String(error));
        }
      }),
    );
  });

  test('a 16 KB query (the most a request head carries) parses in one linear pass', () => {
    // spec(Mercure 1.0 §Subscription): "hubs SHOULD apply implementation-defined maximums to the number of topic
    // matcher query parameters in a single request"
    const many = Array.from({ length: 2000 }, (_, i) => `match=%2F${i}`).join('&');
    assert.ok(
      refusedWith400(() => parseSubscribeMatchers(many, LIMITS)),
      'past maxTopics',
    );
    const long = `match=${'%C3%A9'.repeat(2700)}`;
    assert.ok(refusedWith400(() => parseSubscribeMatchers(long, { ...LIMITS, maxSelectorLength: 1024 })));
    assert.equal(parseSubscribeMatchers(long, { ...LIMITS, maxSelectorLength: 4096 }).length, 1);
  });
});

describe("the hub's URL, as a request reached it", () => {
  const request = (host: string | undefined, encrypted = false) => ({
    headers: host === undefined ? {} : { host },
    socket: (encrypted ? { encrypted: true } : {}) as never,
  });

  test('origin from Host and TLS, path /.well-known/mercure; a bad Host falls back to localhost', () => {
    // spec(Mercure 1.0 §URL Pattern): "When evaluating a relative pattern or a relative topic, the hub MUST use
    // the hub's URL as the base URL."
    assert.equal(hubUrl(request('hub.example')), 'http://hub.example/.well-known/mercure');
    assert.equal(hubUrl(request('hub.example:8443', true)), 'https://hub.example:8443/.well-known/mercure');
    assert.equal(hubUrl(request('HUB.example:443', true)), 'https://hub.example/.well-known/mercure');
    assert.equal(hubUrl(request('[::1]:3000')), 'http://[::1]:3000/.well-known/mercure');
    for (const bad of [undefined, '', 'a/b', 'user@evil', 'a?b', 'a#b', 'h:99999', 'a b'])
      assert.equal(hubUrl(request(bad)), 'http://localhost/.well-known/mercure', String(bad));
  });
});
