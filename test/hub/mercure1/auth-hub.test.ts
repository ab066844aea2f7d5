/**
 * Mercure 1.0 access tokens on a real hub: private updates reach only subscribers whose token grants
 * `subscribe` on their topic, publishes need a `publish` grant, a 1.0 and a 0.x token work on one hub at
 * once, and a stream closes at its token's `exp`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AUDIENCE, accessToken, exact, urlPattern } from '../../fixtures/access-token.js';
import { publish, publishOk, type RunningHub, startHub, subscribe, token } from '../../fixtures/hub.js';

describe('Mercure 1.0 access tokens on a hub', () => {
  let running: RunningHub;
  let publisher: string;
  before(async () => {
    running = await startHub({ jwtAudience: AUDIENCE });
    publisher = await accessToken({ publish: exact('*') });
  });
  after(() => running.close());

  test('a private update is delivered only when a subscribe detail matches its topic (Exact and URLPattern)', async () => {
    // spec(Mercure 1.0 §Subscribers): "To receive updates marked as `private`, a subscriber MUST present a
    // token that grants the `subscribe` action on the update's topic […]. If the token does not grant
    // `subscribe` on that topic, the hub MUST NOT deliver the update to the subscriber." And of the routing
    // selector (`*` here): "they never widen what it may read."
    const books = 'https://example.com/books';
    const reader = await subscribe(running.endpoint, ['*'], {
      token: await accessToken({
        subscribe: [
          ...exact(`${books}/1`, `${books}/7`),
          ...urlPattern('https://example.com/authors/:id', '/local/:id'),
        ],
      }),
    });
    try {
      assert.equal(reader.response.status, 200);
      const topics = [`${books}/2`, `${books}/1`, `${books}/1/reviews`, 'https://example.com/authors/9', '/local/3'];
      for (const topic of topics) await publishOk(running.endpoint, { topic, data: topic, private: true }, publisher);
      await publishOk(running.endpoint, { topic: `${books}/3`, data: 'public' }, publisher);
      const received: string[] = [];
      for (let i = 0; i < 4; i++) received.push((await reader.next()).data);
      assert.deepEqual(received, [`${books}/1`, 'https://example.com/authors/9', '/local/3', 'public']);
      assert.equal(await reader.nothingWithin(200), undefined);
    } finally {
      reader.close();
    }
  });

  test('a subscribe grant in a publish-only detail, or no detail at all, reads no private update', async () => {
    // spec(Mercure 1.0 §Authorization Details): "A token grants an action on a topic when it carries a
    // `mercure` authorization detail whose `actions` includes that action and one of whose `topics` matches
    // the topic."
    const publishOnly = await subscribe(running.endpoint, ['/secret'], {
      token: await accessToken({ publish: exact('/secret') }),
    });
    const noDetail = await subscribe(running.endpoint, ['/secret'], { token: await accessToken({}) });
    try {
      await publishOk(running.endpoint, { topic: '/secret', data: 'private', private: true }, publisher);
      await publishOk(running.endpoint, { topic: '/secret', data: 'public' }, publisher);
      assert.equal((await publishOnly.next()).data, 'public');
      assert.equal((await noDetail.next()).data, 'public');
    } finally {
      publishOnly.close();
      noDetail.close();
    }
  });

  test('a publish needs a publish detail matching the topic: else 403 insufficient_scope, nothing dispatched', async () => {
    // spec(Mercure 1.0 §Publishers): "A publisher MUST present a token that grants the `publish` action on
    // the update's topic […]. Otherwise the hub MUST NOT dispatch the update and MUST return a 403 status
    // code with `error="insufficient_scope"`".
    const reader = await subscribe(running.endpoint, ['*'], { token: await accessToken({ subscribe: exact('*') }) });
    try {
      const narrow = await accessToken({ publish: [...exact('/news/1'), ...urlPattern('/sport/:id')] });
      const subscribeOnly = await accessToken({ subscribe: exact('*') });
      for (const [jwt, topic] of [
        [narrow, '/news/2'],
        [narrow, '/sport/1/live'],
        [subscribeOnly, '/news/1'],
      ] as const) {
        const response = await publish(running.endpoint, { topic, data: 'refused' }, jwt);
        assert.equal(response.status, 403, topic);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer error="insufficient_scope"');
      }
      await publishOk(running.endpoint, { topic: '/news/1', data: 'exact' }, narrow);
      await publishOk(running.endpoint, { topic: '/sport/7', data: 'pattern' }, narrow);
      assert.deepEqual([(await reader.next()).data, (await reader.next()).data], ['exact', 'pattern']);
    } finally {
      reader.close();
    }
  });

  test('[NON-SPEC] a 1.0 token and a 0.x token on one hub at once: each publishes to, and reads the private updates of, both', async () => {
    const modern = await subscribe(running.endpoint, ['/mixed/{id}'], {
      token: await accessToken({ subscribe: urlPattern('/mixed/:id') }),
    });
    const legacy = await subscribe(running.endpoint, ['/mixed/{id}'], {
      token: await token({ subscribe: ['/mixed/{id}'] }),
    });
    try {
      await publishOk(
        running.endpoint,
        { topic: '/mixed/1', data: 'from 0.x', private: true },
        await token({ publish: ['/mixed/{id}'] }),
      );
      await publishOk(
        running.endpoint,
        { topic: '/mixed/2', data: 'from 1.0', private: true },
        await accessToken({ publish: urlPattern('/mixed/:id') }),
      );
      for (const reader of [modern, legacy]) {
        assert.deepEqual([(await reader.next()).data, (await reader.next()).data], ['from 0.x', 'from 1.0']);
      }
    } finally {
      modern.close();
      legacy.close();
    }
  });

  test('the stream closes at the access token’s exp', async () => {
    // spec(Mercure 1.0 §Subscribers): "When the subscriber presented an access token, the hub MUST close the
    // connection no later than the token's `exp` time".
    const jwt = await accessToken({ subscribe: exact('/expiring'), ttlSeconds: 2 });
    const exp =
      (JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { exp: number }).exp * 1000;
    const reader = await subscribe(running.endpoint, ['/expiring'], { token: jwt });
    assert.equal(reader.response.status, 200);
    // `next()` rejects once the stream ends; the window is far past exp so it cannot pass by timing out.
    await assert.rejects(reader.next(exp - Date.now() + 5000), /stream ended/);
    const closedAt = Date.now();
    assert.ok(closedAt >= exp, `closed ${exp - closedAt} ms before exp`);
  });
});
