/**
 * Where the hub takes the token from, on a real hub: Mercure 1.0's header → `access_token` query → cookie
 * precedence, 0.x's `authorization` query and `mercureAuthorization` cookie still honoured, and the
 * `Cache-Control: private` of responses to query-token requests.
 *
 * Each case pairs a token the hub accepts (an access token granting nothing, enough to subscribe) with
 * one it refuses (signed with another key): the status says which one the hub used.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AUDIENCE, accessToken, exact, signToken } from '../../fixtures/access-token.js';
import { publish, type RunningHub, startHub, token } from '../../fixtures/hub.js';

const OTHER_SECRET = 'a-secret-this-hub-does-not-know-about-at-all';

interface Sources {
  header?: string;
  accessTokenQuery?: string;
  authorizationQuery?: string;
  accessTokenCookie?: string;
  authorizationCookie?: string;
}

describe('token sources (Mercure 1.0 §Presenting the Access Token, 0.x §Authorization)', () => {
  let running: RunningHub;
  let good: string;
  let bad: string;
  before(async () => {
    running = await startHub({ jwtAudience: AUDIENCE });
    good = await signToken({});
    bad = await signToken({}, {}, OTHER_SECRET);
  });
  after(() => running.close());

  /** Subscribes with the token in the given places; resolves with the status. */
  async function statusWith(sources: Sources): Promise<number> {
    const url = new URL(running.endpoint);
    url.searchParams.set('topic', '/sources');
    if (sources.accessTokenQuery !== undefined) url.searchParams.set('access_token', sources.accessTokenQuery);
    if (sources.authorizationQuery !== undefined) url.searchParams.set('authorization', sources.authorizationQuery);
    const headers: Record<string, string> = {};
    if (sources.header !== undefined) headers.Authorization = `Bearer ${sources.header}`;
    const cookies: string[] = [];
    if (sources.accessTokenCookie !== undefined) cookies.push(`mercureAccessToken=${sources.accessTokenCookie}`);
    if (sources.authorizationCookie !== undefined) cookies.push(`mercureAuthorization=${sources.authorizationCookie}`);
    if (cookies.length > 0) headers.Cookie = cookies.join('; ');
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    controller.abort();
    return response.status;
  }

  test('each source alone is read', async () => {
    // spec(Mercure 1.0 §Presenting the Access Token): "Three mechanisms are defined to present the access
    // token to the hub": the `Authorization` header, a cookie, an `access_token` URI query parameter.
    for (const source of [
      'header',
      'accessTokenQuery',
      'authorizationQuery',
      'accessTokenCookie',
      'authorizationCookie',
    ] as const) {
      assert.equal(await statusWith({ [source]: good }), 200, `${source} with an accepted token`);
      assert.equal(await statusWith({ [source]: bad }), 401, `${source} with a refused token`);
    }
  });

  test('the Authorization header wins over the query parameter and the cookie', async () => {
    // spec(Mercure 1.0 §Presenting the Access Token): "if an `Authorization` HTTP header is present, its
    // token MUST be used and the `access_token` query parameter and the cookie MUST be ignored".
    assert.equal(await statusWith({ header: good, accessTokenQuery: bad, accessTokenCookie: bad }), 200);
    assert.equal(await statusWith({ header: bad, accessTokenQuery: good, accessTokenCookie: good }), 401);
  });

  test('the access_token query parameter wins over the cookie', async () => {
    // spec(Mercure 1.0 §Presenting the Access Token): "otherwise, if an `access_token` query parameter is
    // present, it MUST be used and the cookie MUST be ignored; otherwise, the cookie, if any, MUST be used."
    assert.equal(await statusWith({ accessTokenQuery: good, accessTokenCookie: bad }), 200);
    assert.equal(await statusWith({ accessTokenQuery: bad, accessTokenCookie: good }), 401);
  });

  test('[NON-SPEC] across generations: every query parameter before every cookie, the 1.0 name first', async () => {
    // Both texts put the query before the cookie; where a request carries both generations' names, the
    // 1.0 name is read first.
    assert.equal(await statusWith({ authorizationQuery: good, accessTokenCookie: bad }), 200);
    assert.equal(await statusWith({ accessTokenQuery: good, authorizationQuery: bad }), 200);
    assert.equal(await statusWith({ accessTokenQuery: bad, authorizationQuery: good }), 401);
    assert.equal(await statusWith({ accessTokenCookie: good, authorizationCookie: bad }), 200);
    assert.equal(await statusWith({ accessTokenCookie: bad, authorizationCookie: good }), 401);
  });

  test('responses to a query-token request are Cache-Control: private; the stream stays no-cache', async () => {
    // spec(Mercure 1.0 §URI Query Parameter): "Server success (2XX status) responses to these requests
    // SHOULD contain a `Cache-Control` header with the `private` option."
    const controller = new AbortController();
    try {
      const byQuery = await fetch(`${running.endpoint}?topic=/a&access_token=${good}`, { signal: controller.signal });
      assert.equal(byQuery.status, 200);
      assert.equal(byQuery.headers.get('cache-control'), 'private, no-cache, no-transform');
      const byHeader = await fetch(`${running.endpoint}?topic=/a`, {
        headers: { Authorization: `Bearer ${good}` },
        signal: controller.signal,
      });
      assert.equal(byHeader.headers.get('cache-control'), 'no-cache, no-transform');
    } finally {
      controller.abort();
    }
    const publisher = await token({ publish: ['*'] });
    const published = await fetch(`${running.endpoint}?authorization=${publisher}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'topic=/a&data=x',
    });
    assert.equal(published.status, 200);
    assert.equal(published.headers.get('cache-control'), 'private, no-store');
    const byHeader = await publish(running.endpoint, { topic: '/a', data: 'x' }, publisher);
    assert.equal(byHeader.headers.get('cache-control'), 'no-store');
  });

  test('a publish with the mercureAccessToken cookie must come from the hub’s own origin (CSRF)', async () => {
    // spec(Mercure 1.0 §Security Considerations): "Implementations supporting that mechanism MUST mitigate
    // such attacks"; hubs "SHOULD also use the `Origin` and `Referer` HTTP headers to verify that the source
    // origin matches the target origin. If neither header is available, the hub SHOULD reject the request."
    const publisher = await accessToken({ publish: exact('/csrf') });
    const publishFrom = (origin: string | undefined) =>
      fetch(running.endpoint, {
        method: 'POST',
        headers: {
          Cookie: `mercureAccessToken=${publisher}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          ...(origin === undefined ? {} : { Origin: origin }),
        },
        body: 'topic=/csrf&data=x',
      });
    for (const origin of ['https://evil.example', undefined]) {
      const refused = await publishFrom(origin);
      assert.equal(refused.status, 403, String(origin));
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'HOTLINE_HUB_FORBIDDEN_ORIGIN');
    }
    assert.equal((await publishFrom(running.origin)).status, 200);
  });

  test('the minted access token of `hotline token --at-jwt` is accepted from every source', async () => {
    // spec(Mercure 1.0 §Cookie): "It is RECOMMENDED to name the cookie `mercureAccessToken`".
    const minted = await accessToken({ subscribe: exact('/sources') });
    for (const source of ['header', 'accessTokenQuery', 'accessTokenCookie'] as const) {
      assert.equal(await statusWith({ [source]: minted }), 200, source);
    }
  });
});
