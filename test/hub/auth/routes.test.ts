import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import type { Authorizer, Rights } from '../../../src/hub/auth/index.js';
import { createDashboard } from '../../../src/hub/dashboard/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { createHub } from '../../../src/hub/hub.js';
import { publish, publishOk, type RunningHub, SECRET, startHub, subscribe, token } from '../../fixtures/hub.js';

const SUBSCRIPTIONS = '/.well-known/mercure/subscriptions';

/** A second scheme, as a user would write one: static API keys, each with its rights. */
function apiKeys(keys: Record<string, Partial<Rights>>): Authorizer & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async authenticate(credential, action) {
      asked.push(`${action} ${credential.source}`);
      const rights = keys[credential.token];
      if (rights === undefined) throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'unknown API key');
      return { publish: [], subscribe: [], admin: false, payload: undefined, exp: undefined, ...rights };
    },
  };
}

const KEYS = {
  'key-admin': { publish: ['*'], admin: true },
  'key-alice': {
    subscribe: ['/users/alice/{x}', `${SUBSCRIPTIONS}{/topic}{/subscriber}`],
    payload: { user: 'alice' },
  },
};

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

describe('another scheme passed as `authorizer` works through every route, none of them touched', () => {
  let running: RunningHub;
  const scheme = apiKeys(KEYS);
  before(async () => {
    running = await startHub({
      publisherKey: undefined,
      authorizer: scheme,
      subscriptionsApi: true,
      extension: (host) => createDashboard(host),
    });
  });
  after(() => running.close());

  test('an API key subscribes to private updates and the admin key publishes them', async () => {
    const alice = await subscribe(running.endpoint, ['/users/alice/inbox'], { token: 'key-alice' });
    try {
      await publishOk(running.endpoint, { topic: '/users/alice/inbox', data: 'hi', private: true }, 'key-admin');
      assert.equal((await alice.next()).data, 'hi');
    } finally {
      alice.close();
    }
    assert.ok(scheme.asked.includes('subscribe header') && scheme.asked.includes('publish header'));
  });

  test('the scheme’s refusal reaches the client; rights it did not grant are refused by the route', async () => {
    const unknown = await publish(running.endpoint, { topic: '/a', data: 'x' }, 'key-mallory');
    assert.deepEqual(await errorOf(unknown), {
      status: 401,
      code: 'HOTLINE_HUB_UNAUTHORIZED',
      message: 'unknown API key',
    });
    const jwt = await publish(running.endpoint, { topic: '/a', data: 'x' }, await token({ publish: ['*'] }));
    assert.equal((await errorOf(jwt)).message, 'unknown API key', 'the JWT scheme is replaced, not added');
    const reader = await publish(running.endpoint, { topic: '/a', data: 'x' }, 'key-alice');
    assert.deepEqual(await errorOf(reader), {
      status: 403,
      code: 'HOTLINE_HUB_FORBIDDEN',
      message: 'the token may not publish to "/a"',
    });
    const anonymous = await fetch(`${running.endpoint}?topic=/a`, { headers: { Accept: 'application/json' } });
    assert.equal((await errorOf(anonymous)).message, 'this hub requires a token to subscribe');
  });

  test('the subscriptions API lists what the key may see, with the payload the scheme gave', async () => {
    const alice = await subscribe(running.endpoint, ['/users/alice/inbox'], { token: 'key-alice' });
    try {
      const response = await fetch(`${running.origin}${SUBSCRIPTIONS}`, {
        headers: { Authorization: 'Bearer key-alice' },
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { subscriptions: { topic: string; payload?: unknown }[] };
      assert.deepEqual(
        body.subscriptions.map(({ topic, payload }) => ({ topic, payload })),
        [{ topic: '/users/alice/inbox', payload: { user: 'alice' } }],
      );
      const admin = await fetch(`${running.origin}${SUBSCRIPTIONS}`, {
        headers: { Authorization: 'Bearer key-admin' },
      });
      assert.equal(admin.status, 403, 'the admin key has no subscribe selectors');
      await admin.arrayBuffer();
    } finally {
      alice.close();
    }
  });

  test('the dashboard stream opens for a key the scheme grants admin, and refuses the others', async () => {
    const controller = new AbortController();
    const admin = await fetch(`${running.origin}/dashboard/stream?authorization=key-admin`, {
      signal: controller.signal,
    });
    assert.equal(admin.status, 200);
    assert.equal(admin.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    controller.abort();
    const alice = await fetch(`${running.origin}/dashboard/stream`, { headers: { Authorization: 'Bearer key-alice' } });
    assert.deepEqual(await errorOf(alice), {
      status: 401,
      code: 'HOTLINE_HUB_UNAUTHORIZED',
      message: 'the token may not administer this hub',
    });
  });

  test('a cookie publish from another site is refused for every scheme, before the scheme is asked', async () => {
    const before = scheme.asked.length;
    const response = await fetch(running.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: 'mercureAuthorization=key-admin',
        Origin: 'https://evil.example',
      },
      body: new URLSearchParams({ topic: '/csrf', data: 'x' }),
    });
    assert.equal((await errorOf(response)).code, 'HOTLINE_HUB_FORBIDDEN_ORIGIN');
    assert.equal(scheme.asked.length, before);
  });

  test('an authorizer together with JWT keys is refused when the hub is created', async () => {
    await assert.rejects(createHub({ authorizer: scheme, publisherKey: { secret: SECRET } }), {
      code: 'HOTLINE_HUB_INVALID_OPTIONS',
      message: 'authorizer replaces the JWT keys: pass either authorizer or publisherKey/subscriberKey',
    });
  });
});

describe('where the JWT is found (Mercure)', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub();
  });
  after(() => running.close());

  test('a stale cookie does not shadow a valid authorization query parameter', async () => {
    const stale = await new SignJWT({ mercure: { subscribe: ['*'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET));
    const fresh = await token({ subscribe: ['*'] });
    const reader = await subscribe(running.endpoint, ['/order'], {
      query: { authorization: fresh },
      headers: { Cookie: `mercureAuthorization=${stale}` },
    });
    try {
      assert.equal(reader.response.status, 200);
    } finally {
      reader.close();
    }
    const cookieOnly = await fetch(`${running.endpoint}?topic=/order`, {
      headers: { Cookie: `mercureAuthorization=${stale}`, Accept: 'application/json' },
    });
    assert.deepEqual(await errorOf(cookieOnly), {
      status: 401,
      code: 'HOTLINE_HUB_UNAUTHORIZED',
      message: 'the token has expired',
    });
  });
});
