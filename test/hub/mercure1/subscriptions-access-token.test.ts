/**
 * Mercure 1.0 subscription events and API with 1.0 access tokens: the subscriber named by its `sub`, the
 * payload of its first matching `subscribe` detail, the collection root in the 1.0 shape, and URL-pattern
 * rights over the API's paths.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AUDIENCE, accessToken, detail, exact, signToken, urlPattern } from '../../fixtures/access-token.js';
import { type EventReader, type RunningHub, startHub, subscribe, token } from '../../fixtures/hub.js';

const SUBSCRIPTIONS = '/.well-known/mercure/subscriptions';

interface Subscription {
  id: string;
  type: string;
  matchType?: string;
  match?: string;
  topic?: string;
  subscriber: string;
  active: boolean;
  payload?: unknown;
}
interface Collection {
  type: string;
  subscriptions: Subscription[];
}

/** A stream opened with 1.0 matcher parameters (`[['match', '/a'], ['matchURLPattern', '/b/:id']]`). */
async function open(endpoint: string, parameters: [string, string][], bearer: string) {
  const url = new URL(endpoint);
  for (const [name, value] of parameters) url.searchParams.append(name, value);
  const controller = new AbortController();
  const response = await fetch(url, { headers: { Authorization: `Bearer ${bearer}` }, signal: controller.signal });
  if (response.status !== 200) assert.fail(`${response.status}: ${await response.text()}`);
  return { close: () => controller.abort() };
}

async function api(origin: string, path: string, bearer: string): Promise<Response> {
  return fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${bearer}` } });
}

async function nextAbout(watcher: EventReader, match: string): Promise<Subscription> {
  for (;;) {
    const subscription = JSON.parse((await watcher.next()).data) as Subscription;
    if (subscription.match === match) return subscription;
  }
}

describe('Mercure 1.0 active subscriptions with access tokens', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({ jwtAudience: AUDIENCE, subscriptionsApi: true, allowAnonymous: true });
  });
  after(() => running.close());

  // spec(Mercure 1.0 §Subscription Events): "The hub MUST derive the identifier exclusively from information it
  // has cryptographically validated — typically the `sub` claim of the subscriber's access token"; "If a
  // subscriber has several subscriptions, the hub SHOULD assign the same `{subscriber}` value to all of them
  // when it can correlate them (for example, when the same `sub` claim is presented across requests)".
  test('the subscriber is its token sub: two streams on one matcher are one subscription, ended by the last', async () => {
    const events = `${SUBSCRIPTIONS}/Exact/:match/:subscriber`;
    const watcher = await subscribe(running.endpoint, [], {
      token: await accessToken({ subscribe: urlPattern(events) }),
      query: { matchURLPattern: events },
    });
    const ann = 'https://example.com/users/ann';
    const bearer = await accessToken({ subject: ann, subscribe: exact('/books/1'), payload: { tenant: 't1' } });
    const first = await open(running.endpoint, [['match', '/books/1']], bearer);
    const second = await open(running.endpoint, [['match', '/books/1']], bearer);
    try {
      const started = await nextAbout(watcher, '/books/1');
      assert.deepEqual(
        [started.id, started.subscriber, started.active, started.payload],
        [`${SUBSCRIPTIONS}/Exact/%2Fbooks%2F1/${encodeURIComponent(ann)}`, ann, true, { tenant: 't1' }],
      );
      // The collection root, asked with a 1.0 token, answers in the 1.0 shape; the subject's two streams are
      // one subscription.
      const all = (await (
        await api(running.origin, SUBSCRIPTIONS, await accessToken({ subscribe: exact('*') }))
      ).json()) as Collection;
      assert.equal(all.type, 'Subscriptions');
      const books = all.subscriptions.filter((s) => s.match === '/books/1');
      assert.deepEqual(
        books.map((s) => [s.matchType, s.subscriber]),
        [['Exact', ann]],
      );
      assert.ok(all.subscriptions.every((s) => s.topic === undefined && s.matchType !== undefined));
      first.close();
      assert.equal(await watcher.nothingWithin(300), undefined, 'still held by the second stream: no end yet');
      second.close();
      const ended = await nextAbout(watcher, '/books/1');
      assert.deepEqual([ended.id, ended.active], [started.id, false]);
    } finally {
      first.close();
      second.close();
      watcher.close();
    }
  });

  // spec(Mercure 1.0 §Payloads): "The `payload` of the first `subscribe` authorization detail whose `topics`
  // matches the subscription's own matcher […] MUST be included under the `payload` key of the JSON object
  // describing the subscription, both in the subscription API and in subscription events."
  test('each subscription shows the payload of the first subscribe detail matching its matcher', async () => {
    const bearer = await signToken({
      sub: 'https://example.com/users/bo',
      authorization_details: [
        detail(['subscribe'], [{ match: 'https://example.com/foo' }], { payload: { custom1: 1 } }),
        detail(['subscribe'], urlPattern('https://example.com/bar/:id'), { payload: { custom2: 2 } }),
        detail(['subscribe'], [{ match: '*' }], { payload: { custom3: 3 } }),
      ],
    });
    const stream = await open(
      running.endpoint,
      [
        ['match', 'https://example.com/foo'],
        ['matchURLPattern', 'https://example.com/bar/:id'],
        ['match', 'https://example.com/baz'],
      ],
      bearer,
    );
    try {
      const reader = await accessToken({ subscribe: exact('*') });
      const payloads = async () => {
        const body = (await (await api(running.origin, SUBSCRIPTIONS, reader)).json()) as Collection;
        return body.subscriptions
          .filter((s) => s.subscriber === 'https://example.com/users/bo')
          .map((s) => [s.matchType, s.match, s.payload]);
      };
      let listed = await payloads();
      while (listed.length < 3) listed = await payloads();
      assert.deepEqual(
        listed.sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
        [
          ['URLPattern', 'https://example.com/bar/:id', { custom2: 2 }],
          ['Exact', 'https://example.com/baz', { custom3: 3 }],
          ['Exact', 'https://example.com/foo', { custom1: 1 }],
        ],
      );
    } finally {
      stream.close();
    }
  });

  // spec(Mercure 1.0 §Subscription API): "URL patterns — absolute, or relative and then resolved against the
  // hub's URL — are evaluated against it"; "If no detail grants `subscribe` on the requested URL, the hub MUST
  // answer `403` as defined in (#authorization)" (spec(Mercure 1.0 §Error Responses): "a 403 "Forbidden"
  // status code with `error="insufficient_scope"`").
  test('a URL pattern over the subscriptions paths opens them, and nothing else', async () => {
    const reader = await accessToken({ subscribe: urlPattern(`${SUBSCRIPTIONS}/Exact/:match/:subscriber?`) });
    const stream = await open(running.endpoint, [['match', '/rooms/1']], await accessToken({ subscribe: exact('/x') }));
    try {
      let body: Collection;
      do {
        const response = await api(running.origin, `${SUBSCRIPTIONS}/Exact/%2Frooms%2F1`, reader);
        assert.equal(response.status, 200);
        body = (await response.json()) as Collection;
      } while (body.subscriptions.length === 0);
      assert.deepEqual(
        body.subscriptions.map((s) => [s.matchType, s.match]),
        [['Exact', '/rooms/1']],
      );
      for (const path of [SUBSCRIPTIONS, `${SUBSCRIPTIONS}/URLPattern/%2Frooms%2F%3Aid`]) {
        const refused = await api(running.origin, path, reader);
        assert.equal(refused.status, 403, path);
        assert.equal(refused.headers.get('www-authenticate'), 'Bearer error="insufficient_scope"');
        await refused.text();
      }
    } finally {
      stream.close();
    }
  });

  // spec(Mercure 1.0 §Error Responses): "If no access token is presented and the requested operation requires
  // one (see above), the hub MUST return a 401 "Unauthorized" status code with a `WWW-Authenticate: Bearer`
  // challenge and MUST NOT include an error code."
  test('the API asked without a token, on a hub that lets anonymous clients subscribe, is a bare Bearer 401', async () => {
    const response = await fetch(`${running.origin}${SUBSCRIPTIONS}`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    await response.text();
  });

  test('a 0.x token still lists in the 0.x shape at the collection root, beside 1.0 subscribers', async () => {
    const stream = await open(running.endpoint, [['match', '/mixed']], await accessToken({ subscribe: exact('/x') }));
    try {
      const reader = await token({ subscribe: ['*'] });
      let mixed: Subscription[] = [];
      while (mixed.length === 0) {
        const body = (await (await api(running.origin, SUBSCRIPTIONS, reader)).json()) as Collection;
        mixed = body.subscriptions.filter((s) => s.topic === '/mixed');
      }
      assert.equal(mixed[0]!.matchType, undefined);
      assert.match(mixed[0]!.id, /^\/\.well-known\/mercure\/subscriptions\/%2Fmixed\//);
    } finally {
      stream.close();
    }
  });
});
