import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import {
  ANONYMOUS,
  type Authorize,
  type AuthRequest,
  createAuthorize,
  createJwtAuthorizer,
} from '../../../src/hub/auth/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { SECRET, token } from '../../fixtures/hub.js';

const SUBSCRIBER_SECRET = 'a-subscriber-secret-that-is-long-enough-for-hs256';

async function jwtAuthorize(options: { allowAnonymous?: boolean; subscriberSecret?: string } = {}): Promise<Authorize> {
  const authorizer = await createJwtAuthorizer({
    publisherKey: { secret: SECRET },
    subscriberKey: options.subscriberSecret === undefined ? undefined : { secret: options.subscriberSecret },
  });
  return createAuthorize({ authorizer, allowAnonymous: options.allowAnonymous ?? false, publishOrigins: [] });
}

/** Resolves with the refusal's status and message; fails the test when `authorize` grants. */
async function refusal(granting: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await granting;
  } catch (error) {
    assert.ok(error instanceof HttpRejection, String(error));
    return { status: error.status, message: error.message };
  }
  assert.fail('the request was granted');
}

/** A token signed with the hub's key that expired a minute ago. */
const expired = (mercure: Record<string, unknown>): Promise<string> =>
  new SignJWT({ mercure })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(SECRET));

const bearer = (jwt: string): AuthRequest => ({ headers: { authorization: `Bearer ${jwt}` }, url: '/' });

describe('authorize(request, action) with the JWT scheme', () => {
  test('a grant says what the token may publish, subscribe and administer, its payload, expiry and source', async () => {
    const authorize = await jwtAuthorize();
    const jwt = await token({ publish: ['*'], subscribe: ['/users/1/{x}'], payload: { name: 'Ada' }, ttlSeconds: 60 });
    const before = Date.now();
    const grant = await authorize(bearer(jwt), 'publish');
    assert.deepEqual(grant.publish, ['*']);
    assert.deepEqual(grant.subscribe, ['/users/1/{x}']);
    assert.deepEqual(grant.payload, { name: 'Ada' });
    assert.equal(grant.admin, true);
    assert.equal(grant.source, 'header');
    assert.ok(grant.exp !== undefined && grant.exp > before && grant.exp <= before + 61_000, `exp ${grant.exp}`);
  });

  test('the credential is found in the header, else the query parameter, else the cookie', async () => {
    const authorize = await jwtAuthorize();
    const [header, query, cookie] = await Promise.all([
      token({ publish: ['/header'] }),
      token({ publish: ['/query'] }),
      token({ publish: ['/cookie'] }),
    ]);
    const all: AuthRequest = {
      headers: { authorization: `Bearer ${header}`, cookie: `mercureAuthorization=${cookie}` },
      url: `/?authorization=${query}`,
    };
    assert.deepEqual((await authorize(all, 'subscribe')).source, 'header');
    const noHeader = {
      headers: { cookie: `theme=dark; mercureAuthorization=${cookie}` },
      url: `/?authorization=${query}`,
    };
    const fromQuery = await authorize(noHeader, 'publish');
    assert.deepEqual([fromQuery.source, fromQuery.publish], ['query', ['/query']]);
    const fromCookie = await authorize(
      { headers: { cookie: `mercureAuthorization=${cookie}` }, url: '/' },
      'subscribe',
    );
    assert.equal(fromCookie.source, 'cookie');
  });

  test('spec(Mercure): a stale cookie is ignored when the query parameter is set', async () => {
    const authorize = await jwtAuthorize();
    const stale = await expired({ subscribe: ['*'] });
    const fresh = await token({ subscribe: ['/fresh'] });
    const grant = await authorize(
      { headers: { cookie: `mercureAuthorization=${stale}` }, url: `/?authorization=${fresh}` },
      'subscribe',
    );
    assert.deepEqual([grant.source, grant.subscribe], ['query', ['/fresh']]);
    assert.deepEqual(
      await refusal(authorize({ headers: { cookie: `mercureAuthorization=${stale}` }, url: '/' }, 'subscribe')),
      { status: 401, message: 'the token has expired' },
    );
  });

  test('without a credential: an anonymous grant to subscribe when allowed, else a 401 per action', async () => {
    const open = await jwtAuthorize({ allowAnonymous: true });
    assert.equal(await open({ headers: {}, url: '/' }, 'subscribe'), ANONYMOUS);
    assert.deepEqual([ANONYMOUS.publish, ANONYMOUS.subscribe, ANONYMOUS.admin], [[], [], false]);
    assert.deepEqual(await refusal(open({ headers: {}, url: '/' }, 'publish')), {
      status: 401,
      message: 'publishing requires a token',
    });
    const closed = await jwtAuthorize();
    for (const [action, message] of [
      ['subscribe', 'this hub requires a token to subscribe'],
      ['publish', 'publishing requires a token'],
      ['admin', 'the dashboard stream needs an admin token (Authorization: Bearer)'],
    ] as const) {
      assert.deepEqual(await refusal(closed({ headers: {}, url: '/' }, action)), { status: 401, message }, action);
    }
  });

  test('every refusal names what is wrong, never the token', async () => {
    const authorize = await jwtAuthorize();
    const otherKey = await token({ publish: ['*'] }, 'another-secret-that-is-long-enough-for-hs256');
    const cases: [AuthRequest, string][] = [
      [{ headers: { authorization: 'Basic YWRtaW4=' } }, 'the Authorization header is not "Bearer <token>"'],
      [bearer('not-a-jwt'), 'the token is not a JWT'],
      [bearer(await expired({ publish: ['*'] })), 'the token has expired'],
      [bearer(otherKey), 'the token signature does not verify: it is not signed with the hub’s key'],
      [
        bearer(await token({ publish: ['/news'] })),
        'the token may not publish to every topic: the dashboard needs "mercure": {"publish": ["*"]}',
      ],
    ];
    for (const [request, message] of cases) {
      assert.deepEqual(await refusal(authorize(request, 'admin')), { status: 401, message });
    }
  });

  test('each key proves only its own role: a subscriber-key token may not publish or administer', async () => {
    const authorize = await jwtAuthorize({ subscriberSecret: SUBSCRIBER_SECRET });
    const subscriberToken = await token({ publish: ['*'], subscribe: ['/s'] }, SUBSCRIBER_SECRET);
    const asSubscriber = await authorize(bearer(subscriberToken), 'subscribe');
    assert.deepEqual([asSubscriber.publish, asSubscriber.subscribe, asSubscriber.admin], [[], ['/s'], false]);
    assert.equal((await refusal(authorize(bearer(subscriberToken), 'publish'))).status, 401);
    const publisherToken = await token({ publish: ['*'], subscribe: ['/s'] });
    const asPublisher = await authorize(bearer(publisherToken), 'publish');
    assert.deepEqual([asPublisher.publish, asPublisher.subscribe, asPublisher.admin], [['*'], [], true]);
    assert.equal((await refusal(authorize(bearer(publisherToken), 'subscribe'))).status, 401);
  });

  test('a cookie publish from a foreign origin is refused before the token is even checked', async () => {
    const authorize = await jwtAuthorize();
    const request = (headers: Record<string, string>): AuthRequest => ({
      headers: { host: 'hub.example', cookie: 'mercureAuthorization=not-a-jwt', ...headers },
      url: '/',
    });
    const foreign = await refusal(authorize(request({ origin: 'https://evil.example' }), 'publish'));
    assert.equal(foreign.status, 403);
    assert.equal((await refusal(authorize(request({ origin: 'http://hub.example' }), 'publish'))).status, 401);
    // Only a publish: a cookie subscription is a read the browser's CORS rules already guard.
    assert.equal((await refusal(authorize(request({ origin: 'https://evil.example' }), 'subscribe'))).status, 401);
  });

  test('without a key a scheme refuses with the reason, and a weak secret is refused when it is built', async () => {
    const authorize = createAuthorize({
      authorizer: await createJwtAuthorizer({}),
      allowAnonymous: false,
      publishOrigins: [],
    });
    const jwt = await token({ publish: ['*'] });
    assert.deepEqual(await refusal(authorize(bearer(jwt), 'publish')), {
      status: 401,
      message: 'this hub has no publisher key: it accepts no HTTP publishes',
    });
    assert.deepEqual(await refusal(authorize(bearer(jwt), 'subscribe')), {
      status: 401,
      message: 'this hub has no subscriber key',
    });
    await assert.rejects(createJwtAuthorizer({ publisherKey: { secret: 'short' } }), /publisherKey\.secret: .*5 bytes/);
    await createJwtAuthorizer({ publisherKey: { secret: 'short' }, allowWeakSecrets: true });
  });
});
