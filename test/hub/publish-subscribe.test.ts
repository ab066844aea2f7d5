import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hubForSuite, publish, publishOk, startHub, subscribe, token } from '../fixtures/hub.js';

describe('hub: publish and subscribe (Mercure)', () => {
  const suite = hubForSuite();

  test('a raw string update arrives byte-exact, with its id, and the publish answers the id as text', async () => {
    const reader = await subscribe(suite.running.endpoint, ['https://example.com/books/1']);
    assert.equal(reader.response.status, 200);
    assert.match(reader.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const data = '  leading spaces\nsecond line\r\nthird ☃ 𝄞\n';
    const response = await publish(
      suite.running.endpoint,
      { topic: 'https://example.com/books/1', data, id: 'book-1-v2' },
      suite.publisher,
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), 'book-1-v2');
    const event = await reader.next();
    assert.deepEqual(event, { type: 'message', data: data.replace(/\r\n/g, '\n'), lastEventId: 'book-1-v2' });
    reader.close();
  });

  test('the hub generates urn:uuid ids and answers them', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/gen']);
    const id = await publishOk(suite.running.endpoint, { topic: '/gen', data: 'x' }, suite.publisher);
    assert.match(id, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal((await reader.next()).lastEventId, id);
    reader.close();
  });

  test('type becomes the event type, retry is sent, and an update without type is a message', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/typed']);
    await publishOk(
      suite.running.endpoint,
      { topic: '/typed', data: '1', type: 'price', retry: '2500' },
      suite.publisher,
    );
    await publishOk(suite.running.endpoint, { topic: '/typed', data: '2' }, suite.publisher);
    assert.equal((await reader.next()).type, 'price');
    assert.equal((await reader.next()).type, 'message');
    reader.close();
  });

  test('an update with several topics reaches subscribers of any of them, once', async () => {
    const a = await subscribe(suite.running.endpoint, ['/multi/a']);
    const both = await subscribe(suite.running.endpoint, ['/multi/a', '/multi/b']);
    await publishOk(
      suite.running.endpoint,
      { topic: ['/multi/b', '/multi/a'], data: 'x', id: 'multi-1' },
      suite.publisher,
    );
    await publishOk(suite.running.endpoint, { topic: '/multi/a', data: 'y', id: 'multi-2' }, suite.publisher);
    assert.equal((await a.next()).lastEventId, 'multi-1');
    assert.equal((await both.next()).lastEventId, 'multi-1');
    assert.equal((await both.next()).lastEventId, 'multi-2');
    a.close();
    both.close();
  });

  test('several selectors, URI templates and * select the right topics', async () => {
    const template = await subscribe(suite.running.endpoint, ['https://example.com/books/{id}']);
    const any = await subscribe(suite.running.endpoint, ['*']);
    const none = await subscribe(suite.running.endpoint, ['https://example.com/authors/{id}']);
    await publishOk(
      suite.running.endpoint,
      { topic: 'https://example.com/books/1/chapters/2', data: 'no', id: 'tpl-0' },
      suite.publisher,
    );
    await publishOk(
      suite.running.endpoint,
      { topic: 'https://example.com/books/42', data: 'yes', id: 'tpl-1' },
      suite.publisher,
    );
    assert.equal((await template.next()).lastEventId, 'tpl-1');
    assert.equal((await any.next()).lastEventId, 'tpl-0');
    assert.equal((await any.next()).lastEventId, 'tpl-1');
    assert.equal(await none.nothingWithin(200), undefined);
    for (const r of [template, any, none]) r.close();
  });

  test('a subscriber whose selectors match nothing receives nothing', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/quiet']);
    await publishOk(suite.running.endpoint, { topic: '/loud', data: 'x' }, suite.publisher);
    assert.equal(await reader.nothingWithin(200), undefined);
    reader.close();
  });

  test('the JSON convenience body publishes the same update', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/json']);
    const response = await fetch(suite.running.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${suite.publisher}` },
      body: JSON.stringify({ topic: ['/json'], data: { price: 1.5 }, type: 'tick', id: 'json-1' }),
    });
    assert.equal(await response.text(), 'json-1');
    assert.deepEqual(await reader.next(), { type: 'tick', data: '{"price":1.5}', lastEventId: 'json-1' });
    reader.close();
  });

  test('hub.publish() from the process reaches HTTP subscribers', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/in-process']);
    const stored = await suite.running.hub.publish({ topics: '/in-process', data: 'local', id: 'local-1' });
    assert.equal(stored.id, 'local-1');
    assert.equal((await reader.next()).data, 'local');
    reader.close();
  });

  test('GET / answers a page about the hub', async () => {
    const response = await fetch(`${suite.running.origin}/`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /Hotline hub/);
  });
});

describe('hub: private updates and authorization', () => {
  const suite = hubForSuite();

  test('a private update reaches only subscribers whose token allows one of its topics', async () => {
    const allowed = await subscribe(suite.running.endpoint, ['/users/{id}/inbox'], {
      token: await token({ subscribe: ['/users/7/inbox'] }),
    });
    const other = await subscribe(suite.running.endpoint, ['/users/{id}/inbox'], {
      token: await token({ subscribe: ['/users/8/inbox'] }),
    });
    const anonymous = await subscribe(suite.running.endpoint, ['/users/{id}/inbox']);
    await publishOk(
      suite.running.endpoint,
      { topic: '/users/7/inbox', data: 'secret', private: true, id: 'p1' },
      suite.publisher,
    );
    await publishOk(suite.running.endpoint, { topic: '/users/7/inbox', data: 'public', id: 'p2' }, suite.publisher);
    assert.equal((await allowed.next()).lastEventId, 'p1');
    assert.equal((await allowed.next()).lastEventId, 'p2');
    assert.equal((await other.next()).lastEventId, 'p2');
    assert.equal((await anonymous.next()).lastEventId, 'p2');
    for (const r of [allowed, other, anonymous]) r.close();
  });

  test('the token authorizes but does not route: a private update needs a matching topic selector too', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/elsewhere'], {
      token: await token({ subscribe: ['*'] }),
    });
    await publishOk(suite.running.endpoint, { topic: '/private/x', data: 'x', private: true }, suite.publisher);
    assert.equal(await reader.nothingWithin(200), undefined);
    reader.close();
  });

  test('the token can come from the mercureAuthorization cookie or the authorization query parameter', async () => {
    const subscriberToken = await token({ subscribe: ['/cookie'] });
    const byCookie = await subscribe(suite.running.endpoint, ['/cookie'], {
      headers: { Cookie: `other=1; mercureAuthorization=${subscriberToken}` },
    });
    const byQuery = await subscribe(suite.running.endpoint, ['/cookie'], { query: { authorization: subscriberToken } });
    await publishOk(
      suite.running.endpoint,
      { topic: '/cookie', data: 'c', private: true, id: 'cookie-1' },
      suite.publisher,
    );
    assert.equal((await byCookie.next()).lastEventId, 'cookie-1');
    assert.equal((await byQuery.next()).lastEventId, 'cookie-1');
    byCookie.close();
    byQuery.close();
  });

  test('publishing needs a token whose mercure.publish covers every topic', async () => {
    const cases: [string | undefined, number][] = [
      [undefined, 401],
      [await token({ publish: ['*'] }, 'the-wrong-secret-entirely-0123456789'), 401],
      [await token({ publish: ['/a'] }), 403],
      [await token({ publish: ['/a', '/b'] }), 200],
      [await token({ publish: ['/{x}'] }), 200],
      [await token({ subscribe: ['*'] }), 403],
    ];
    for (const [bearer, status] of cases) {
      const response = await publish(suite.running.endpoint, { topic: ['/a', '/b'], data: 'x' }, bearer);
      assert.equal(response.status, status, `token ${bearer?.slice(0, 20)}`);
      await response.text();
    }
  });

  test('expired, not-yet-valid, unsigned and malformed tokens get 401 with a JSON error', async () => {
    const { SignJWT, UnsecuredJWT } = await import('jose');
    const key = new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256');
    const claims = { mercure: { publish: ['*'] } };
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    const future = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setNotBefore(Math.floor(Date.now() / 1000) + 3600)
      .sign(key);
    const unsigned = new UnsecuredJWT(claims).encode();
    for (const bearer of [expired, future, unsigned, 'not.a.jwt', 'x'.repeat(10_000)]) {
      const response = await publish(suite.running.endpoint, { topic: '/a', data: 'x' }, bearer);
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'HOTLINE_HUB_UNAUTHORIZED');
      assert.ok(!body.error.message.includes(bearer.slice(0, 30)), 'the token is never echoed');
    }
  });

  test('topics in the reserved /.well-known/mercure namespace cannot be published to', async () => {
    const response = await publish(
      suite.running.endpoint,
      { topic: 'https://example.com/.well-known/mercure/subscriptions/x/y', data: 'forged' },
      suite.publisher,
    );
    assert.equal(response.status, 403);
  });
});

describe('hub: anonymous subscribers', () => {
  test('are refused by default with 401', async () => {
    const running = await startHub();
    try {
      const response = await fetch(`${running.endpoint}?topic=/x`, { headers: { Accept: 'text/event-stream' } });
      assert.equal(response.status, 401);
      assert.equal(((await response.text()).match(/HOTLINE_HUB_UNAUTHORIZED/) ?? []).length, 1);
      const reader = await subscribe(running.endpoint, ['/x'], { token: await token({ subscribe: [] }) });
      assert.equal(reader.response.status, 200);
      reader.close();
    } finally {
      await running.close();
    }
  });
});
