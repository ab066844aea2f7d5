import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { mintToken } from '../../src/cli/token.js';
import { createDashboard, type DashboardOptions, type DemoTokenClaims } from '../../src/hub/dashboard/index.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { SECRET } from '../fixtures/hub.js';

async function dashboardHub(dashboard: DashboardOptions): Promise<{ hub: Hub; origin: string }> {
  const hub = await createHub({
    publisherKey: { secret: SECRET },
    allowAnonymous: true,
    extension: (host) => createDashboard(host, dashboard),
  });
  const address = await hub.listen(0, '127.0.0.1');
  return { hub, origin: `http://127.0.0.1:${address.port}` };
}

describe('the demo session of createDashboard', () => {
  const signed: DemoTokenClaims[] = [];
  let withUser: { hub: Hub; origin: string };
  let withoutUser: { hub: Hub; origin: string };
  before(async () => {
    withUser = await dashboardHub({
      demoUser: {
        name: 'alice',
        sign: (claims) => {
          signed.push(claims);
          return mintToken({ secret: SECRET, ...claims });
        },
      },
    });
    withoutUser = await dashboardHub({});
  });
  after(async () => {
    await withUser?.hub.close();
    await withoutUser?.hub.close();
  });

  test('each sign-in signs a fresh token: the user as subject, only their topic, for an hour', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${withUser.origin}/demo/session`, { method: 'POST' });
      assert.equal(response.status, 204);
    }
    assert.deepEqual(signed, [
      { subject: 'alice', subscribe: ['/users/alice/notifications'], ttlSeconds: 3600 },
      { subject: 'alice', subscribe: ['/users/alice/notifications'], ttlSeconds: 3600 },
    ]);
    const response = await fetch(`${withUser.origin}/demo/session`, { method: 'POST' });
    const [tokenCookie, userCookie] = response.headers.getSetCookie();
    const token = decodeURIComponent(/^mercureAuthorization=([^;]+);/.exec(tokenCookie ?? '')?.[1] ?? '');
    assert.deepEqual(decodeJwt(token).mercure, { subscribe: ['/users/alice/notifications'] });
    assert.match(userCookie ?? '', /^hotline-demo-user=alice; Max-Age=3540; Path=\/; SameSite=Strict$/);
  });

  test('without a demo user, sign-in is a 403 JSON and /demo/config says why', async () => {
    const response = await fetch(`${withoutUser.origin}/demo/session`, { method: 'POST' });
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), {
      error: { code: 'HOTLINE_HUB_FORBIDDEN', message: 'this hub has no demo user' },
    });
    const config = await (await fetch(`${withoutUser.origin}/demo/config`)).json();
    assert.deepEqual(config, {
      user: null,
      signInUnavailable: 'this hub has no demo user',
      topics: {
        stocks: '/stocks/{symbol}',
        news: '/news',
        matches: '/matches/{id}',
        notifications: ['/notifications'],
      },
    });
  });

  test('signing out clears both cookies, also on a hub that signs nobody in', async () => {
    const response = await fetch(`${withoutUser.origin}/demo/session`, { method: 'DELETE' });
    assert.equal(response.status, 204);
    assert.deepEqual(response.headers.getSetCookie(), [
      'mercureAuthorization=; Max-Age=0; Path=/.well-known/mercure; HttpOnly; SameSite=Strict',
      'hotline-demo-user=; Max-Age=0; Path=/; SameSite=Strict',
    ]);
  });

  test('other methods get 405 with Allow', async () => {
    const response = await fetch(`${withUser.origin}/demo/session`, { method: 'PUT' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST, DELETE');
  });
});
