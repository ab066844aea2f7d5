/**
 * Mercure 0.x "Active Subscriptions" (subscription events and the subscriptions API) as a 0.x client sees
 * them: `?topic=` subscribers and `mercure.subscribe` tokens, on a real hub with `subscriptionsApi: true`.
 * Each test quotes the sentences it shows; docs/mercure.md maps them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type EventReader, hubForSuite, subscribe, token } from '../fixtures/hub.js';

const PRESENCE_TEMPLATE = '/.well-known/mercure/subscriptions/{topic}/{subscriber}';
const API_TEMPLATE = '/.well-known/mercure/subscriptions{/topic}{/subscriber}';

interface Subscription {
  '@context'?: string;
  id: string;
  type: string;
  topic: string;
  subscriber: string;
  active: boolean;
  payload?: unknown;
  lastEventID?: string;
}

/** The next subscription event about `topic` that `watcher` receives (skipping its own, for instance). */
async function nextAbout(watcher: EventReader, topic: string): Promise<Subscription & { eventId: string }> {
  for (;;) {
    const event = await watcher.next();
    const subscription = JSON.parse(event.data) as Subscription;
    if (subscription.topic === topic) return { ...subscription, eventId: event.lastEventId };
  }
}

async function api(origin: string, path: string, bearer: string): Promise<Response> {
  return fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${bearer}` } });
}

describe('Mercure 0.x conformance: active subscriptions', () => {
  const suite = hubForSuite({ allowAnonymous: true, subscriptionsApi: true });

  // spec(Mercure 0.x §Subscription API): "all endpoints MUST set the `lastEventID` property […] The value MUST be
  // `earliest` if no events have been dispatched yet." (run first: nothing has been dispatched on this hub)
  test('before any update, the collection says lastEventID earliest', async () => {
    const response = await api(
      suite.running.origin,
      '/.well-known/mercure/subscriptions',
      await token({ subscribe: [API_TEMPLATE] }),
    );
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { lastEventID: string }).lastEventID, 'earliest');
  });

  // spec(Mercure 0.x §Subscription Events): "it MUST publish an update when a subscription is created or
  // terminated", "The topic of these updates MUST be an expansion of
  // `/.well-known/mercure/subscriptions/{topic}/{subscriber}`", reserved characters "MUST be percent encoded
  // during the expansion process", "`id`: the identifier of this update, it MUST be the same value as the
  // subscription update's topic", and "the subscription update MUST be marked as `private`".
  test('a subscription and its end are private updates on the percent-encoded expansion, in the JSON-LD shape', async () => {
    const watcher = await subscribe(suite.running.endpoint, [PRESENCE_TEMPLATE], {
      token: await token({ subscribe: [PRESENCE_TEMPLATE] }),
    });
    const anonymousWatcher = await subscribe(suite.running.endpoint, [PRESENCE_TEMPLATE]);
    const selector = 'https://example.com/books/{id}';
    const subscriber = await subscribe(suite.running.endpoint, [selector], {
      token: await token({ subscribe: [], payload: { user: 'ann' } }),
    });
    const started = await nextAbout(watcher, selector);
    assert.equal(started['@context'], 'https://mercure.rocks/');
    assert.equal(started.type, 'Subscription');
    assert.equal(started.active, true);
    assert.deepEqual(started.payload, { user: 'ann' });
    const expansion = `/.well-known/mercure/subscriptions/${encodeURIComponent(selector)}/${encodeURIComponent(started.subscriber)}`;
    assert.equal(started.id, expansion);
    assert.ok(!/[{}:]/.test(started.id.slice('/.well-known/mercure/subscriptions/'.length)), started.id);
    subscriber.close();
    const ended = await nextAbout(watcher, selector);
    assert.deepEqual([ended.id, ended.active], [expansion, false]);
    assert.equal(await anonymousWatcher.nothingWithin(200), undefined, 'no token, no subscription event');
    watcher.close();
    anonymousWatcher.close();
  });

  // spec(Mercure 0.x §Subscription Events): "If a subscriber has several subscriptions, it SHOULD be identified
  // by the same identifier. `{subscriber}` SHOULD be an IRI [RFC3987]."
  test('the subscriptions of one subscriber share one urn:uuid subscriber identifier', async () => {
    const watcher = await subscribe(suite.running.endpoint, [PRESENCE_TEMPLATE], {
      token: await token({ subscribe: [PRESENCE_TEMPLATE] }),
    });
    const subscriber = await subscribe(suite.running.endpoint, ['/same-id/a', '/same-id/b'], {
      token: await token({ subscribe: [] }),
    });
    const a = await nextAbout(watcher, '/same-id/a');
    const b = await nextAbout(watcher, '/same-id/b');
    assert.equal(a.subscriber, b.subscriber);
    assert.match(a.subscriber, /^urn:uuid:[0-9a-f-]{36}$/);
    subscriber.close();
    watcher.close();
  });

  // spec(Mercure 1.0 §Subscription Events): "the value of each variable MUST be percent-encoded exactly once
  // during expansion, encoding the raw matcher or subscriber string as a whole (any `%` characters it already
  // contains are themselves encoded). Hubs MUST NOT double-encode an already-encoded value."
  test('a matcher holding % is percent-encoded exactly once in the 1.0 and the 0.x subscription ids', async () => {
    const exactEvents = '/.well-known/mercure/subscriptions/Exact/{match}/{subscriber}';
    const watcher1 = await subscribe(suite.running.endpoint, [exactEvents], {
      token: await token({ subscribe: [exactEvents] }),
    });
    const watcher0 = await subscribe(suite.running.endpoint, [PRESENCE_TEMPLATE], {
      token: await token({ subscribe: [PRESENCE_TEMPLATE] }),
    });
    const topic = 'https://example.com/a%20b';
    const subscriber = await subscribe(suite.running.endpoint, [topic], { token: await token({ subscribe: [] }) });
    const encoded = 'https%3A%2F%2Fexample.com%2Fa%2520b';
    for (;;) {
      const event = JSON.parse((await watcher1.next()).data) as Subscription & { match?: string };
      if (event.match !== topic) continue;
      assert.equal(
        event.id,
        `/.well-known/mercure/subscriptions/Exact/${encoded}/${encodeURIComponent(event.subscriber)}`,
      );
      break;
    }
    const zero = await nextAbout(watcher0, topic);
    assert.equal(zero.id, `/.well-known/mercure/subscriptions/${encoded}/${encodeURIComponent(zero.subscriber)}`);
    subscriber.close();
    watcher1.close();
    watcher0.close();
  });

  // spec(Mercure 0.x §Subscription API): "The web API MUST expose endpoints following these patterns" (the
  // collection, per topic selector, one subscription), "The web API MUST set the `Content-Type` HTTP header to
  // `application/ld+json`", collections "MUST return JSON-LD documents containing at least" `@context`, `id`,
  // `type: Subscriptions` and `subscriptions`, one subscription "MUST expose the same JSON-LD document as
  // described in (#subscription-events)", and "If the requested subscription does not exist, a `404` status code
  // MUST be returned."
  test('the three endpoints answer application/ld+json in the documented shapes, and 404 for no such subscription', async () => {
    const bearer = await token({ subscribe: [API_TEMPLATE] });
    const selector = '/api-shape/{x}';
    const subscriber = await subscribe(suite.running.endpoint, [selector], {
      token: await token({ subscribe: [], payload: { seat: 12 } }),
    });
    const base = '/.well-known/mercure/subscriptions';
    const perTopic = `${base}/${encodeURIComponent(selector)}`;
    const collection = await api(suite.running.origin, perTopic, bearer);
    assert.equal(collection.status, 200);
    assert.match(collection.headers.get('content-type') ?? '', /^application\/ld\+json/);
    const listed = (await collection.json()) as {
      '@context': string;
      id: string;
      type: string;
      lastEventID: string;
      subscriptions: Subscription[];
    };
    assert.deepEqual(
      [listed['@context'], listed.id, listed.type, listed.subscriptions.length],
      ['https://mercure.rocks/', perTopic, 'Subscriptions', 1],
    );
    assert.notEqual(listed.lastEventID, 'earliest', 'updates have been dispatched by now');
    const [resource] = listed.subscriptions;
    assert.ok(resource !== undefined);

    const one = await api(suite.running.origin, resource.id, bearer);
    assert.equal(one.status, 200);
    assert.match(one.headers.get('content-type') ?? '', /^application\/ld\+json/);
    const document = (await one.json()) as Subscription;
    assert.equal(document['@context'], 'https://mercure.rocks/');
    assert.equal(typeof document.lastEventID, 'string');
    const { '@context': _context, lastEventID: _last, ...fields } = document;
    assert.deepEqual(fields, resource, 'the same document as the subscription event, plus lastEventID');
    assert.deepEqual(
      [fields.type, fields.topic, fields.active, fields.payload],
      ['Subscription', selector, true, { seat: 12 }],
    );

    const all = await api(suite.running.origin, base, bearer);
    assert.equal(all.status, 200);
    const everything = (await all.json()) as { subscriptions: Subscription[] };
    assert.ok(everything.subscriptions.some((s) => s.id === resource.id));

    const missing = await api(suite.running.origin, `${perTopic}/${encodeURIComponent('urn:uuid:nobody')}`, bearer);
    assert.equal(missing.status, 404);
    await missing.text();
    subscriber.close();
  });

  // spec(Mercure 0.x §Subscription API): "To access to the URLs exposed by the web API, clients MUST be
  // authorized according to the rules defined in (#authorization). The requested URL MUST match at least one of
  // the topic selectors provided in the `mercure.subscribe` key of the JWS."
  test('the API needs a token whose mercure.subscribe matches the requested URL', async () => {
    const path = '/.well-known/mercure/subscriptions';
    const none = await fetch(`${suite.running.origin}${path}`);
    assert.equal(none.status, 401);
    await none.text();
    const elsewhere = await api(suite.running.origin, path, await token({ subscribe: ['/not-the-api/{x}'] }));
    assert.equal(elsewhere.status, 403);
    await elsewhere.text();
    const exact = await api(suite.running.origin, path, await token({ subscribe: [path] }));
    assert.equal(exact.status, 200);
    await exact.text();
  });
});
