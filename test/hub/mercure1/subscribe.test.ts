import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Authorizer, Rights } from '../../../src/hub/auth/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { hubForSuite, publishOk, type RunningHub, startHub, subscribe } from '../../fixtures/hub.js';

/**
 * Opens `?query` on the hub; the query string is sent exactly as written (raw percent-escapes included).
 * JSON is accepted, so a refusal comes as the hub's JSON error body.
 */
async function open(endpoint: string, query: string): Promise<Response> {
  const headers = { Accept: 'application/json, text/event-stream' };
  return fetch(`${endpoint}?${query}`, { headers, signal: AbortSignal.timeout(5000) });
}

async function refusal(response: Response): Promise<{ status: number; code: string; challenge: string | null }> {
  const body = (await response.json()) as { error: { code: string } };
  return { status: response.status, code: body.error.code, challenge: response.headers.get('www-authenticate') };
}

describe('Mercure 1.0 subscribe parameters on a real hub', () => {
  const suite = hubForSuite();
  const endpoint = () => suite.running.endpoint;
  const origin = () => suite.running.origin;

  test('?match= is an exact, byte-for-byte matcher; relative values are not resolved', async () => {
    // spec(Mercure 1.0 §Exact Matching): "the hub MUST perform an exact, case-sensitive, byte-for-byte
    // comparison between the topic and the matcher. The hub MUST NOT resolve relative values"
    const reader = await subscribe(endpoint(), [], { query: { match: '/exact/{id}' } });
    assert.equal(reader.response.status, 200);
    await publishOk(endpoint(), { topic: '/exact/1', data: 'template would match', id: 'ex-1' }, suite.publisher);
    await publishOk(endpoint(), { topic: `${origin()}/exact/{id}`, data: 'resolved', id: 'ex-2' }, suite.publisher);
    await publishOk(endpoint(), { topic: '/exact/{id}', data: 'itself', id: 'ex-3' }, suite.publisher);
    assert.equal((await reader.next()).lastEventId, 'ex-3');
    reader.close();
  });

  test('?matchExact= is the explicit spelling of the default', async () => {
    // spec(Mercure 1.0 §Subscription): "`matchExact` is the explicit spelling of the default"
    const reader = await subscribe(endpoint(), [], { query: { matchExact: 'urn:x:exact' } });
    await publishOk(endpoint(), { topic: 'urn:x:exact', data: 'x', id: 'mex-1' }, suite.publisher);
    assert.equal((await reader.next()).lastEventId, 'mex-1');
    reader.close();
  });

  for (const name of ['matchURLPattern', 'match_urlpattern'])
    test(`?${name}= matches relative and absolute topics against the hub URL`, async () => {
      // spec(Mercure 1.0 §URL Pattern): "When evaluating a relative pattern or a relative topic, the hub MUST
      // use the hub's URL as the base URL."
      const path = `/books-${name}`;
      const reader = await subscribe(endpoint(), [], { query: { [name]: `${path}/:id` } });
      assert.equal(reader.response.status, 200);
      await publishOk(endpoint(), { topic: `${path}/1`, data: 'relative', id: `${name}-1` }, suite.publisher);
      await publishOk(endpoint(), { topic: `${path}/1/2`, data: 'two segments', id: `${name}-x` }, suite.publisher);
      await publishOk(
        endpoint(),
        { topic: `https://elsewhere.example${path}/3`, data: 'x', id: `${name}-y` },
        suite.publisher,
      );
      await publishOk(
        endpoint(),
        { topic: `${origin()}${path}/2`, data: 'absolute', id: `${name}-2` },
        suite.publisher,
      );
      assert.equal((await reader.next()).lastEventId, `${name}-1`);
      assert.equal((await reader.next()).lastEventId, `${name}-2`);
      reader.close();
    });

  test('a regexp group narrows a parameter, matched by the same linear automaton', async () => {
    // spec(Mercure 1.0 §URL Pattern): "URL patterns are evaluated per the URL Pattern Living Standard"
    const reader = await subscribe(endpoint(), [], { query: { matchURLPattern: '/numbered/:id(\\d+)' } });
    await publishOk(endpoint(), { topic: '/numbered/abc', data: 'x', id: 'num-x' }, suite.publisher);
    await publishOk(endpoint(), { topic: '/numbered/42', data: 'x', id: 'num-1' }, suite.publisher);
    assert.equal((await reader.next()).lastEventId, 'num-1');
    reader.close();
  });

  test('an absolute URL pattern matches absolute topics of its own origin only', async () => {
    // spec(Mercure 1.0 §URL Pattern): "URL patterns MAY be absolute (e.g., `https://example.com/books/:id`) or
    // relative"
    const reader = await subscribe(endpoint(), [], { query: { matchURLPattern: 'https://example.com/abs/:id' } });
    await publishOk(endpoint(), { topic: 'https://example.com/abs/1/2', data: 'x', id: 'abs-0' }, suite.publisher);
    await publishOk(endpoint(), { topic: '/abs/1', data: 'x', id: 'abs-x' }, suite.publisher);
    await publishOk(endpoint(), { topic: 'https://example.com/abs/1', data: 'x', id: 'abs-1' }, suite.publisher);
    assert.equal((await reader.next()).lastEventId, 'abs-1');
    reader.close();
  });

  for (const query of ['match=*', 'matchURLPattern=*', 'matchExact=*'])
    test(`${query} is the wildcard, whatever the matcher type`, async () => {
      // spec(Mercure 1.0 §Matcher Types): "The matcher value `*` is reserved as a wildcard that matches every
      // topic. It is recognized before the matcher type is resolved"
      const [name] = query.split('=');
      const reader = await subscribe(endpoint(), [], { query: { [name!]: '*' } });
      await publishOk(endpoint(), { topic: `urn:wild:${name}`, data: 'x', id: `wild-${name}` }, suite.publisher);
      assert.equal((await reader.next()).lastEventId, `wild-${name}`);
      reader.close();
    });

  test('topic= and match* combine in one request, each a subscription', async () => {
    // spec(Mercure 1.0 §Subscription): "A request MAY contain several such parameters, in any combination."
    const reader = await subscribe(endpoint(), ['/combined/old/{id}'], {
      query: { match: '/combined/exact', matchURLPattern: '/combined/new/:id' },
    });
    await publishOk(endpoint(), { topic: '/combined/old/1', data: 'x', id: 'co-1' }, suite.publisher);
    await publishOk(endpoint(), { topic: '/combined/exact', data: 'x', id: 'co-2' }, suite.publisher);
    await publishOk(endpoint(), { topic: '/combined/new/1', data: 'x', id: 'co-3' }, suite.publisher);
    assert.deepEqual(
      [(await reader.next()).lastEventId, (await reader.next()).lastEventId, (await reader.next()).lastEventId],
      ['co-1', 'co-2', 'co-3'],
    );
    reader.close();
  });

  for (const name of ['matchFoo', 'MATCH', 'Match', 'matchurlpattern', 'matchexact', 'match_exact', 'matches'])
    test(`?${name}= is in the reserved match namespace: 400 invalid_request`, async () => {
      // spec(Mercure 1.0 §Subscription): "A request using a parameter name in the reserved `match` namespace (a
      // name equal to `match`, or beginning with `match` under an ASCII case-insensitive comparison) that does
      // not correspond to a matcher type defined in (#matcher-types) MUST be rejected with a 400"
      const response = await open(endpoint(), `topic=/ok&${name}=/x`);
      assert.deepEqual(await refusal(response), {
        status: 400,
        code: 'HOTLINE_HUB_BAD_REQUEST',
        challenge: 'Bearer error="invalid_request"',
      });
    });

  for (const [label, value] of [
    ['NUL', '%00'],
    ['LF', 'a%0Ab'],
    ['DEL', 'a%7F'],
    ['C1 U+0080', 'a%C2%80'],
    ['C1 U+009F', '%C2%9F'],
    ['invalid UTF-8', 'a%FFb'],
    ['a lone surrogate as UTF-8', '%ED%A0%80'],
    ['a truncated sequence', '%E2%82'],
  ])
    test(`a matcher value with ${label} is refused with 400`, async () => {
      // spec(Mercure 1.0 §Subscription): "The value of each topic matcher query parameter MUST be valid UTF-8
      // and MUST NOT contain C0 (U+0000–U+001F) or C1 (U+0080–U+009F) control characters or U+007F. Requests
      // violating this constraint MUST be rejected with a 400 "Bad Request" HTTP status code."
      for (const name of ['match', 'matchURLPattern']) {
        const { status, challenge } = await refusal(await open(endpoint(), `${name}=${value}`));
        assert.equal(status, 400, `${name}=${value}`);
        assert.equal(challenge, 'Bearer error="invalid_request"');
      }
    });

  test('non-ASCII UTF-8, a plus sign and a malformed escape are values, not errors', async () => {
    // spec(Mercure 1.0 §Subscription): "The value of each topic matcher query parameter MUST be valid UTF-8" —
    // valid UTF-8 passes; `+` and a stray `%` are what application/x-www-form-urlencoded makes of them.
    const response = await open(endpoint(), 'match=%C3%A9t%C3%A9+x%zz');
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  test('a 0.x topic= value keeps its old leniency (no 1.0 character rules)', async () => {
    // spec(Mercure 1.0 §Subscription): the character rules bind "each topic matcher query parameter": `topic` is
    // the 0.x selector, answered as 0.x hubs always answered it.
    const response = await open(endpoint(), 'topic=a%FFb');
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  test('an invalid URL pattern, or a regexp group with an assertion, is refused with 400', async () => {
    // spec(Mercure 1.0 §URL Pattern): hubs "MUST either use a regular expression engine that guarantees
    // linear-time matching (such as RE2) or enforce an implementation-defined evaluation cost or time limit" —
    // ours is linear and has no engine for regexp groups; spec(Mercure 1.0 §Error Responses): "If the request is
    // malformed, the hub MUST return a 400 "Bad Request" status code with `error="invalid_request"`."
    for (const pattern of ['/books/(', '/books/:id(^\\d+)', '/books/:id((?=1)\\d+)', 'https://:1bad']) {
      const { status, challenge } = await refusal(
        await open(endpoint(), `matchURLPattern=${encodeURIComponent(pattern)}`),
      );
      assert.equal(status, 400, pattern);
      assert.equal(challenge, 'Bearer error="invalid_request"');
    }
  });
});

describe('Mercure 1.0 subscribe limits', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({ allowAnonymous: true, maxTopics: 3, maxSelectorLength: 64 });
  });
  after(() => running.close());

  test('more matchers than maxTopics, or a pattern longer than maxSelectorLength, is a 400', async () => {
    // spec(Mercure 1.0 §Subscription): "hubs SHOULD apply implementation-defined maximums to the number of topic
    // matcher query parameters in a single request and to the length of each matcher's pattern. Requests
    // exceeding any such limit MUST be rejected with a 400"
    const tooMany = await refusal(await open(running.endpoint, 'match=a&match=b&topic=c&matchURLPattern=/d'));
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.challenge, 'Bearer error="invalid_request"');
    for (const name of ['match', 'matchURLPattern']) {
      const tooLong = await refusal(await open(running.endpoint, `${name}=/${'a'.repeat(64)}`));
      assert.equal(tooLong.status, 400, name);
    }
    const within = await open(running.endpoint, `match=/${'a'.repeat(63)}&match=b&topic=c`);
    assert.equal(within.status, 200);
    await within.body?.cancel();
  });

  test('[NON-SPEC] 0.x requests keep their answers: no challenge header', async () => {
    // spec(Mercure 0.x): no challenge header is asked of a 400; the 1.0 `invalid_request` goes to requests
    // that carry a 1.0 matcher.
    const tooMany = await refusal(await open(running.endpoint, 'topic=a&topic=b&topic=c&topic=d'));
    assert.deepEqual(tooMany, { status: 400, code: 'HOTLINE_HUB_BAD_REQUEST', challenge: null });
  });
});

/** Rights as a 1.0 access token states them (the at+jwt scheme's shape), behind a static key. */
function keys(table: Record<string, Partial<Rights>>): Authorizer {
  return {
    async authenticate(credential) {
      const rights = table[credential.token];
      if (rights === undefined) throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'unknown key');
      return { publish: [], subscribe: [], admin: false, payload: undefined, exp: undefined, ...rights };
    },
  };
}

describe('the two generations meet on one hub', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({
      publisherKey: undefined,
      allowAnonymous: true,
      authorizer: keys({
        'publisher-0x': { publish: ['*'] },
        'publisher-1': { publish: [{ matchType: 'URLPattern', match: '/gen/:id' }] },
        'reader-1': { subscribe: [{ matchType: 'URLPattern', match: '/private/:id' }] },
        'reader-exact': { subscribe: [{ matchType: 'Exact', match: '/private/2' }] },
      }),
    });
  });
  after(() => running.close());

  test('a 0.x publish reaches a 1.0 subscriber, and a 1.0 publish a ?topic= subscriber', async () => {
    // spec(Mercure 1.0 §Subscription): "The subscriber receives updates for all topics matching at least one
    // topic matcher according to the matcher type rules." — whatever the publisher's generation.
    const modern = await subscribe(running.endpoint, [], { query: { matchURLPattern: '/gen/:id' } });
    const classic = await subscribe(running.endpoint, ['/gen/{id}']);
    await publishOk(running.endpoint, { topic: '/gen/1', data: 'from 0.x', id: 'g-1' }, 'publisher-0x');
    await publishOk(running.endpoint, { topic: '/gen/2', data: 'from 1.0', id: 'g-2' }, 'publisher-1');
    for (const reader of [modern, classic]) {
      assert.equal((await reader.next()).lastEventId, 'g-1');
      assert.equal((await reader.next()).lastEventId, 'g-2');
      reader.close();
    }
  });

  test("a private update reaches a subscriber whose token's matchers grant its topic, and no other", async () => {
    // spec(Mercure 1.0 §Subscribers): "If the token does not grant `subscribe` on that topic, the hub MUST NOT
    // deliver the update to the subscriber."
    const granted = await subscribe(running.endpoint, [], {
      query: { matchURLPattern: '/private/:id' },
      token: 'reader-1',
    });
    const exact = await subscribe(running.endpoint, [], {
      query: { matchURLPattern: '/private/:id' },
      token: 'reader-exact',
    });
    await publishOk(
      running.endpoint,
      { topic: '/private/1', data: 'secret', id: 'p-1', private: true },
      'publisher-0x',
    );
    await publishOk(
      running.endpoint,
      { topic: '/private/2', data: 'secret', id: 'p-2', private: true },
      'publisher-0x',
    );
    assert.equal((await granted.next()).lastEventId, 'p-1');
    assert.equal((await granted.next()).lastEventId, 'p-2');
    assert.equal((await exact.next()).lastEventId, 'p-2');
    granted.close();
    exact.close();
  });
});
