/**
 * Mercure 1.0 (draft-dunglas-mercure-08) hub rules that the 1.0 suites in test/hub/mercure1/ do not show,
 * each quoting its sentence, on a real hub over loopback. docs/mercure.md maps every rule to its test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { mintAccessToken } from '../../src/cli/token.js';
import { type EventReader, hubForSuite, publishOk, SECRET, subscribe, token } from '../fixtures/hub.js';

/** The hub's resource identifier (the `aud` of its access tokens). */
const AUDIENCE = 'https://hub.example.test/.well-known/mercure';
/** Every 1.0 subscription event of the hub, as a relative URL pattern (resolved against the hub's URL). */
const EXACT_EVENTS = '/.well-known/mercure/subscriptions/Exact/:match/:subscriber';

interface SubscriptionEvent {
  readonly match: string;
  readonly subscriber: string;
  readonly active: boolean;
  readonly payload?: unknown;
}

/** An access token with the given `authorization_details`, as an issuer would sign it. */
function withDetails(details: unknown[], subject?: string): Promise<string> {
  let jwt = new SignJWT({ authorization_details: details })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setAudience(AUDIENCE)
    .setExpirationTime('10m');
  if (subject !== undefined) jwt = jwt.setSubject(subject);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

/** A 1.0 watcher of every Exact subscription event. */
async function watchEvents(endpoint: string): Promise<EventReader> {
  const reader = await mintAccessToken({
    secret: SECRET,
    audience: AUDIENCE,
    subscribe: [{ match: EXACT_EVENTS, matchType: 'URLPattern' }],
  });
  return subscribe(endpoint, [], { query: { matchURLPattern: EXACT_EVENTS }, token: reader });
}

/** The next event about a subscription to `match` (skipping the others). */
async function nextAbout(watcher: EventReader, match: string): Promise<SubscriptionEvent> {
  for (;;) {
    const event = JSON.parse((await watcher.next()).data) as SubscriptionEvent;
    if (event.match === match) return event;
  }
}

describe('Mercure 1.0 conformance: URL patterns', () => {
  const suite = hubForSuite();

  // spec(Mercure 1.0 §URL Pattern): "hubs MUST NOT enable the `ignoreCase` option. Host components remain
  // case-insensitive as defined by URL canonicalization [RFC3986]; all other components are case-sensitive."
  test('a URL pattern is case-sensitive in its path and case-insensitive in its host', async () => {
    const exactCase = await subscribe(suite.running.endpoint, [], {
      query: { matchURLPattern: 'https://EXAMPLE.com/books/:id' },
    });
    const otherCase = await subscribe(suite.running.endpoint, [], {
      query: { matchURLPattern: 'https://example.com/Books/:id' },
    });
    await publishOk(
      suite.running.endpoint,
      { topic: 'https://example.com/books/1', data: 'lower', id: 'case-1' },
      suite.publisher,
    );
    await publishOk(
      suite.running.endpoint,
      { topic: 'https://example.com/Books/2', data: 'upper', id: 'case-2' },
      suite.publisher,
    );
    assert.equal((await exactCase.next()).lastEventId, 'case-1');
    assert.equal(await exactCase.nothingWithin(200), undefined, '/Books/2 is another path');
    assert.equal((await otherCase.next()).lastEventId, 'case-2', '/books/1 is another path');
    exactCase.close();
    otherCase.close();
  });
});

describe('Mercure 1.0 conformance: access tokens in subscription events, the API and cookies', () => {
  const suite = hubForSuite({ allowAnonymous: true, subscriptionsApi: true, jwtAudience: AUDIENCE });

  // spec(Mercure 1.0 §Subscription Events): "{subscriber}: […] Subscribers and publishers MUST NOT forge, supply,
  // or override this value through query parameters […] The hub MUST derive the identifier exclusively from
  // information it has cryptographically validated — typically the `sub` claim […] For unauthenticated
  // subscribers […], the hub MUST generate the identifier itself […] The hub MUST ensure that the identifier is
  // unique among active subscriptions." and "the hub SHOULD assign the same `{subscriber}` value to all of them
  // when it can correlate them (for example, when the same `sub` claim is presented across requests)."
  test('the subscriber is the token sub across requests, never a value the client sends; anonymous ones get their own', async () => {
    const { endpoint } = suite.running;
    const watcher = await watchEvents(endpoint);
    const ann = await withDetails(
      [{ type: 'mercure', actions: ['subscribe'], topics: [{ match: '*' }] }],
      'urn:user:ann',
    );
    const first = await subscribe(`${endpoint}?subscriber=urn:user:eve`, [], {
      query: { match: '/sid/a' },
      token: ann,
    });
    const second = await subscribe(endpoint, [], { query: { match: '/sid/b' }, token: ann });
    const anonymous1 = await subscribe(endpoint, [], { query: { match: '/sid/anon' } });
    const anonymous2 = await subscribe(endpoint, [], { query: { match: '/sid/anon' } });
    try {
      assert.equal((await nextAbout(watcher, '/sid/a')).subscriber, 'urn:user:ann');
      assert.equal((await nextAbout(watcher, '/sid/b')).subscriber, 'urn:user:ann');
      const [x, y] = [await nextAbout(watcher, '/sid/anon'), await nextAbout(watcher, '/sid/anon')];
      assert.match(x.subscriber, /^urn:uuid:/);
      assert.match(y.subscriber, /^urn:uuid:/);
      assert.notEqual(x.subscriber, y.subscriber);
    } finally {
      for (const reader of [first, second, anonymous1, anonymous2, watcher]) reader.close();
    }
  });

  // spec(Mercure 1.0 §Payloads): "The `payload` of the first `subscribe` authorization detail whose `topics`
  // matches the subscription's own matcher […] MUST be included under the `payload` key of the JSON object
  // describing the subscription, both in the subscription API and in subscription events. A `subscribe` detail
  // whose `topics` contains the `*` wildcard matches every subscription and can serve as a default."
  test('each subscription carries the payload of the first subscribe detail matching its matcher, in events and the API', async () => {
    const { endpoint, origin } = suite.running;
    const watcher = await watchEvents(endpoint);
    const bearer = await withDetails([
      { type: 'mercure', actions: ['subscribe'], topics: [{ match: '/pay/special' }], payload: { p: 'special' } },
      { type: 'mercure', actions: ['subscribe'], topics: [{ match: '*' }], payload: { p: 'default' } },
    ]);
    const reader = await subscribe(`${endpoint}?match=/pay/special&match=/pay/other`, [], { token: bearer });
    try {
      assert.deepEqual((await nextAbout(watcher, '/pay/special')).payload, { p: 'special' });
      assert.deepEqual((await nextAbout(watcher, '/pay/other')).payload, { p: 'default' });
      const path = `/.well-known/mercure/subscriptions/Exact/${encodeURIComponent('/pay/special')}`;
      const apiReader = await mintAccessToken({
        secret: SECRET,
        audience: AUDIENCE,
        // The collection's URL, and (Hotline lists only what the token could receive the events of) its items.
        subscribe: [
          { match: '/.well-known/mercure/subscriptions/Exact/:match', matchType: 'URLPattern' },
          { match: EXACT_EVENTS, matchType: 'URLPattern' },
        ],
      });
      const response = await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${apiReader}` } });
      assert.equal(response.status, 200);
      const listed = (await response.json()) as { subscriptions: SubscriptionEvent[] };
      assert.deepEqual(
        listed.subscriptions.map((subscription) => subscription.payload),
        [{ p: 'special' }],
      );
    } finally {
      reader.close();
      watcher.close();
    }
  });

  // spec(Mercure 1.0 §Subscription API): "The hub MUST verify that a `mercure` authorization detail in the access
  // token grants the `subscribe` action on this relative topic […] If no detail grants `subscribe` on the
  // requested URL, the hub MUST answer `403`" — and §Error Responses: "403 […] with `error="insufficient_scope"`".
  test('the API reads a 1.0 token: a subscribe detail on the relative path opens it, another gets 403 insufficient_scope', async () => {
    const { origin } = suite.running;
    const path = `/.well-known/mercure/subscriptions/Exact/${encodeURIComponent('/api/room')}`;
    const granted = await mintAccessToken({
      secret: SECRET,
      audience: AUDIENCE,
      subscribe: [{ match: path, matchType: 'Exact' }],
    });
    const ok = await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${granted}` } });
    assert.equal(ok.status, 200);
    await ok.text();
    const elsewhere = await mintAccessToken({
      secret: SECRET,
      audience: AUDIENCE,
      subscribe: [{ match: '/.well-known/mercure/subscriptions/URLPattern/:match', matchType: 'URLPattern' }],
    });
    const refused = await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${elsewhere}` } });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    await refused.text();
  });

  // spec(Mercure 1.0 §Security Considerations): "The hub's publishing endpoint can be targeted by Cross-Site
  // Request Forgery (CSRF) attacks when the cookie-based authorization mechanism is used. Implementations
  // supporting that mechanism MUST mitigate such attacks." — the 1.0 cookie as well as the 0.x one.
  test('a publish authorized by the mercureAccessToken cookie from a foreign origin is refused; from the hub origin it passes', async () => {
    const { endpoint, origin } = suite.running;
    const publisher = await mintAccessToken({
      secret: SECRET,
      audience: AUDIENCE,
      publish: [{ match: '/csrf', matchType: 'Exact' }],
    });
    const reader = await subscribe(endpoint, [], { query: { match: '/csrf' }, lastEventId: 'earliest' });
    const attempt = (from: string) =>
      fetch(endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Cookie: `mercureAccessToken=${publisher}`,
          Origin: from,
        },
        body: `topic=/csrf&data=${encodeURIComponent(from)}&id=${encodeURIComponent(`csrf ${from}`)}`,
      });
    try {
      const forged = await attempt('https://evil.example');
      assert.equal(forged.status, 403);
      await forged.text();
      const own = await attempt(origin);
      assert.equal(own.status, 200, await own.text());
      assert.equal((await reader.next()).lastEventId, `csrf ${origin}`, 'only the hub-origin publish was stored');
    } finally {
      reader.close();
    }
  });
});

describe('Mercure 1.0 conformance: reconciliation', () => {
  const suite = hubForSuite();

  // spec(Mercure 1.0 §Authorization on Event Replay): "A subscriber whose authorized scope has shrunk between
  // publication and reconnection does not receive private events outside its scope at reconnection time, and the
  // identifier of such an event does not appear in the `Last-Event-ID` response header." (§Reconciliation: "The
  // hub MUST NOT disclose, via this header, the identifier of any event the subscriber is not authorized to receive.")
  test('a requested id naming a private update the token no longer covers gets earliest, not that id', async () => {
    await publishOk(
      suite.running.endpoint,
      { topic: '/shrunk', data: 'private', private: true, id: 'sh-1' },
      suite.publisher,
    );
    await publishOk(suite.running.endpoint, { topic: '/shrunk', data: 'public', id: 'sh-2' }, suite.publisher);
    const before = await subscribe(suite.running.endpoint, ['/shrunk'], {
      lastEventId: 'sh-1',
      token: await token({ subscribe: ['/shrunk'] }),
    });
    assert.equal(before.response.headers.get('last-event-id'), 'sh-1');
    before.close();
    const after = await subscribe(suite.running.endpoint, ['/shrunk'], {
      lastEventId: 'sh-1',
      token: await token({ subscribe: ['/elsewhere'] }),
    });
    assert.equal(after.response.headers.get('last-event-id'), 'earliest');
    assert.equal((await after.next()).lastEventId, 'sh-2', 'replay still starts after the requested id');
    after.close();
  });
});
