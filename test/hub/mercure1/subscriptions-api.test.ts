/**
 * Mercure 1.0 "Active Subscriptions" on a real hub: subscription events on
 * `/.well-known/mercure/subscriptions/{matchType}/{match}/{subscriber}` and the API's 1.0 endpoints, beside
 * the 0.x ones. Subscribers of either generation appear in both listings where the shapes allow.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type EventReader, hubForSuite, publishOk, subscribe, token } from '../../fixtures/hub.js';

const SUBSCRIPTIONS = '/.well-known/mercure/subscriptions';
/** 0.x selectors a watcher's token and subscription use to reach the 1.0 resources. */
const EXACT_EVENTS = `${SUBSCRIPTIONS}/Exact/{match}/{subscriber}`;
const EXACT_API = `${SUBSCRIPTIONS}/Exact{/match}{/subscriber}`;

interface Subscription {
  '@context'?: string;
  id: string;
  type: string;
  matchType?: string;
  match?: string;
  topic?: string;
  subscriber: string;
  active: boolean;
  payload?: unknown;
  lastEventID?: string;
}

async function nextAbout(watcher: EventReader, match: string): Promise<Subscription> {
  for (;;) {
    const subscription = JSON.parse((await watcher.next()).data) as Subscription;
    if (subscription.match === match) return subscription;
  }
}

async function api(origin: string, path: string, bearer: string): Promise<Response> {
  return fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${bearer}` } });
}

describe('Mercure 1.0: subscription events and the subscriptions API', () => {
  const suite = hubForSuite({ allowAnonymous: true, subscriptionsApi: true });

  // spec(Mercure 1.0 §Subscription Events): "it MUST publish an update every time a subscription is created or
  // terminated." "The topic of these updates MUST be an expansion of
  // `/.well-known/mercure/subscriptions/{matchType}/{match}/{subscriber}`"; the document holds "`id`: […] MUST be
  // the same value as the subscription update's topic", "`type`: the fixed value `Subscription`", "`matchType`",
  // "`match`", "`subscriber`", "`active`: `true` when the subscription is active, `false` when it is
  // terminated", "`payload` (optional)"; "the subscription update MUST be marked as `private`."
  test('a subscription and its end are private updates on the 1.0 expansion, in the 1.0 JSON-LD shape', async () => {
    const { origin, endpoint } = suite.running;
    const watcher = await subscribe(endpoint, [EXACT_EVENTS], { token: await token({ subscribe: [EXACT_EVENTS] }) });
    const anonymous = await subscribe(endpoint, [EXACT_EVENTS]);
    try {
      const book = await subscribe(endpoint, ['https://example.com/books/1'], {
        token: await token({ subscribe: [], payload: { tenant: 't1' } }),
      });
      const started = await nextAbout(watcher, 'https://example.com/books/1');
      const subscriber = encodeURIComponent(started.subscriber);
      assert.deepEqual(started, {
        '@context': 'https://mercure.rocks/',
        id: `${SUBSCRIPTIONS}/Exact/https%3A%2F%2Fexample.com%2Fbooks%2F1/${subscriber}`,
        type: 'Subscription',
        matchType: 'Exact',
        match: 'https://example.com/books/1',
        subscriber: started.subscriber,
        active: true,
        payload: { tenant: 't1' },
      });
      // A 0.x client of the same hub sees the same subscription in its shape: one record, two documents.
      const zero = await api(
        origin,
        `${SUBSCRIPTIONS}/${encodeURIComponent('https://example.com/books/1')}`,
        await token({ subscribe: [`${SUBSCRIPTIONS}{/topic}{/subscriber}`] }),
      );
      const listed = ((await zero.json()) as { subscriptions: Subscription[] }).subscriptions;
      assert.deepEqual(
        listed.map((s) => [s.topic, s.subscriber, s.matchType]),
        [['https://example.com/books/1', started.subscriber, undefined]],
      );
      book.close();
      const ended = await nextAbout(watcher, 'https://example.com/books/1');
      assert.deepEqual([ended.id, ended.active], [started.id, false]);
      assert.equal(await anonymous.nothingWithin(200), undefined, 'private: not for a subscriber without rights');
    } finally {
      watcher.close();
      anonymous.close();
    }
  });

  // spec(Mercure 1.0 §Subscription API): "The web API MUST expose endpoints following these patterns: […]
  // `/.well-known/mercure/subscriptions/{matchType}/{match}`: the collection of subscriptions for the given
  // topic matcher. `/.well-known/mercure/subscriptions/{matchType}/{match}/{subscriber}`: a specific
  // subscription." "The web API MUST set the `Content-Type` HTTP header to `application/ld+json`." "URLs
  // returning a single subscription […] MUST expose the same JSON-LD document as described in
  // (#subscription-events). If the requested subscription does not exist, the hub MUST return a `404`".
  test('the per-matcher collection and the single subscription answer in the 1.0 shape, and 404 for none', async () => {
    const { origin, endpoint } = suite.running;
    const reader = await token({ subscribe: [EXACT_API] });
    const match = 'https://example.com/rooms/7';
    const a = await subscribe(endpoint, [match, '/rooms/{id}']);
    const b = await subscribe(endpoint, [match]);
    try {
      const collectionPath = `${SUBSCRIPTIONS}/Exact/${encodeURIComponent(match)}`;
      let body: { '@context': string; id: string; type: string; lastEventID: string; subscriptions: Subscription[] };
      do {
        const response = await api(origin, collectionPath, reader);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), 'application/ld+json');
        body = (await response.json()) as typeof body;
      } while (body.subscriptions.length < 2);
      // spec(Mercure 1.0 §Subscription API): collections hold "`@context`", "`id`: the URL used to retrieve the
      // document", "`type`: the fixed value `Subscriptions`", "`subscriptions`", and "`lastEventID`".
      assert.equal(body['@context'], 'https://mercure.rocks/');
      assert.equal(body.id, collectionPath);
      assert.equal(body.type, 'Subscriptions');
      assert.equal(typeof body.lastEventID, 'string');
      assert.deepEqual(
        body.subscriptions.map((s) => [s.matchType, s.match]),
        [
          ['Exact', match],
          ['Exact', match],
        ],
        'a URI template (no 1.0 matcher type) is not listed under Exact',
      );
      const one = body.subscriptions[0]!;
      const single = await api(origin, one.id, reader);
      assert.equal(single.status, 200);
      assert.equal(single.headers.get('content-type'), 'application/ld+json');
      const document = (await single.json()) as Subscription;
      assert.deepEqual(document, { '@context': 'https://mercure.rocks/', ...one, lastEventID: document.lastEventID });
      const missing = await api(origin, `${collectionPath}/${encodeURIComponent('urn:uuid:nobody')}`, reader);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'HOTLINE_HUB_NOT_FOUND');
    } finally {
      a.close();
      b.close();
    }
  });

  // spec(Mercure 1.0 §Subscription Events): "`{matchType}`: the topic matcher type used for this subscription.
  // The value MUST be the matcher type name in its canonical case […] (e.g., `URLPattern`, `Exact`)";
  // spec(Mercure 1.0 §Subscription): "A subscription is created for every topic matcher query parameter".
  test('?matchURLPattern= and ?match= subscriptions are announced and listed under their matcher types', async () => {
    const { origin, endpoint } = suite.running;
    const events = `${SUBSCRIPTIONS}/URLPattern/{match}/{subscriber}`;
    const watcher = await subscribe(endpoint, [events], { token: await token({ subscribe: [events] }) });
    const url = new URL(endpoint);
    url.searchParams.append('matchURLPattern', '/books/:id');
    url.searchParams.append('match', '/books/1');
    const controller = new AbortController();
    const stream = await fetch(url, { signal: controller.signal });
    try {
      assert.equal(stream.status, 200);
      const started = await nextAbout(watcher, '/books/:id');
      assert.equal(started.matchType, 'URLPattern');
      assert.equal(
        started.id,
        `${SUBSCRIPTIONS}/URLPattern/%2Fbooks%2F%3Aid/${encodeURIComponent(started.subscriber)}`,
      );
      const reader = await token({ subscribe: ['*'] });
      const patterns = (await (await api(origin, `${SUBSCRIPTIONS}/URLPattern/%2Fbooks%2F%3Aid`, reader)).json()) as {
        subscriptions: Subscription[];
      };
      assert.deepEqual(
        patterns.subscriptions.map((s) => [s.matchType, s.match, s.subscriber]),
        [['URLPattern', '/books/:id', started.subscriber]],
      );
      const exact = (await (await api(origin, `${SUBSCRIPTIONS}/Exact/%2Fbooks%2F1`, reader)).json()) as {
        subscriptions: Subscription[];
      };
      assert.deepEqual(
        exact.subscriptions.map((s) => s.subscriber),
        [started.subscriber],
        'one subscriber, one id for both its matchers',
      );
      // [NON-SPEC] A 0.x client lists the URL pattern with the pattern as its topic selector.
      const zero = (await (
        await api(origin, `${SUBSCRIPTIONS}/${encodeURIComponent('/books/:id')}`, reader)
      ).json()) as {
        subscriptions: Subscription[];
      };
      assert.deepEqual(
        zero.subscriptions.map((s) => [s.topic, s.matchType]),
        [['/books/:id', undefined]],
      );
    } finally {
      controller.abort();
      watcher.close();
    }
  });

  // spec(Mercure 1.0 §Subscription API): "The topic to authorize is the requested URL in relative form […] If no
  // detail grants `subscribe` on the requested URL, the hub MUST answer `403`"; and the listed subscriptions
  // are those the token could receive the events of.
  test('the API needs a token whose subscribe rights match the requested 1.0 path', async () => {
    const { origin } = suite.running;
    const path = `${SUBSCRIPTIONS}/Exact/${encodeURIComponent('https://example.com/x')}`;
    const forbidden = await api(origin, path, await token({ subscribe: [`${SUBSCRIPTIONS}/URLPattern{/match}`] }));
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { error: { code: string } }).error.code, 'HOTLINE_HUB_FORBIDDEN');
    const anonymous = await fetch(`${origin}${path}`);
    assert.equal(anonymous.status, 401);
    await anonymous.text();
  });

  // spec(Mercure 1.0 §Subscription API): "`lastEventID`: the identifier of the last event dispatched by the hub
  // at the time of this request" — Hotline gives the newest one the caller may see (as for the
  // `Last-Event-ID` header: spec(Mercure 1.0 §Reconciliation): "The hub MUST NOT disclose, via this header,
  // the identifier of any event the subscriber is not authorized to receive").
  test('lastEventID is the newest update the caller may see, never a private one it may not', async () => {
    const { origin, endpoint } = suite.running;
    const publisher = await token({ publish: ['*'] });
    const visible = await publishOk(endpoint, { topic: '/public', data: 'p' }, publisher);
    const secret = await publishOk(endpoint, { topic: '/secret', data: 's', private: 'on' }, publisher);
    // Rights on this one path only, so the presence updates of the other tests stay out of its sight.
    const path = `${SUBSCRIPTIONS}/Exact/%2Fnone`;
    const reader = await token({ subscribe: [path] });
    const body = (await (await api(origin, path, reader)).json()) as Subscription;
    assert.equal(body.lastEventID, visible);
    const allowed = await token({ subscribe: [path, '/secret'] });
    const both = (await (await api(origin, path, allowed)).json()) as Subscription;
    assert.equal(both.lastEventID, secret);
  });

  test('a bad percent-escape in a 1.0 path is a 400 with the JSON error body', async () => {
    const { origin } = suite.running;
    const reader = await token({ subscribe: ['*'] });
    for (const path of ['Exact/%zz', 'URLPattern/a/%E0%A4', 'Exact/%ED%A0%80/sub']) {
      const response = await api(origin, `${SUBSCRIPTIONS}/${path}`, reader);
      assert.equal(response.status, 400, path);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'HOTLINE_HUB_INVALID_URL');
    }
  });
});
