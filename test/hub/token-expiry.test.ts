/**
 * Streams end when the token that opened them expires, and a `connect()` client with `refreshAuth` rolls
 * over to a fresh token on the same cursor, against a real hub on loopback.
 *
 * spec(Mercure §Subscribers): "If the presented JWS contains an expiration time in the standard `exp` claim
 * defined in [RFC7519], the connection MUST be closed by the hub at that time."
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { tokenExpiry } from '../../src/client/token-expiry.js';
import { AUTH_COOKIE } from '../../src/hub/auth/index.js';
import { publishOk, type RunningHub, startHub, subscribe, token } from '../fixtures/hub.js';
import { waitUntil } from '../fixtures/sse-test-server.js';
import { startWebHub } from '../web/web-hub.js';

const TOPIC = '/expiry/counter';
/** jose rounds a lifetime to whole seconds from a whole-second `iat`: a token lives 1 to 2 s, 1.5 s on average. */
const TTL_SECONDS = 2;
const EXPIRIES = 3;

/** When the hub must close a stream opened with `jwt`, in ms since the epoch. */
function expiresAt(jwt: string): number {
  const exp = tokenExpiry(jwt);
  assert.ok(exp !== undefined, 'the test token has an exp claim');
  return exp * 1000;
}

/**
 * Publishes numbered updates back to back until `enough()` holds, then waits for `seen` to catch up, and
 * checks every number arrived exactly once, in order.
 */
async function publishWhile(running: RunningHub, enough: () => boolean, seen: number[]): Promise<void> {
  const publisher = await token({ publish: ['*'] });
  let sent = 0;
  // A hub that never closes (or a client that never rolls over) must fail the test, not hang it.
  const deadline = Date.now() + 20_000;
  while (!enough()) {
    assert.ok(Date.now() < deadline, 'three expiries did not pass within 20 s');
    await publishOk(running.endpoint, { topic: TOPIC, data: String(sent++) }, publisher);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await waitUntil(() => seen.length >= sent, 10_000);
  // A moment more, so a duplicate delivered after the last expected one would be caught.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(sent > 50, `updates kept flowing across the expiries (${sent} published)`);
  assert.deepEqual(
    seen,
    Array.from({ length: sent }, (_, i) => i),
    '0 lost, 0 duplicated, in order',
  );
}

describe('the hub closes a stream when its token expires (Mercure §Subscribers)', () => {
  test('"the connection MUST be closed by the hub at that time": closed after exp and within exp + 2 s', async () => {
    const running = await startHub();
    try {
      const jwt = await token({ subscribe: [TOPIC], ttlSeconds: TTL_SECONDS });
      const exp = expiresAt(jwt);
      const reader = await subscribe(running.endpoint, [TOPIC], { token: jwt });
      assert.equal(reader.response.status, 200);
      // `next()` rejects once the stream ends; the window is far past exp so it cannot pass by timing out.
      await assert.rejects(reader.next(exp - Date.now() + 5000), /stream ended/);
      const closedAt = Date.now();
      assert.ok(closedAt >= exp, `closed ${exp - closedAt} ms before exp`);
      assert.ok(closedAt <= exp + 2000, `closed ${closedAt - exp} ms after exp`);
      assert.equal(running.hub.subscriberCount, 0);
    } finally {
      await running.close();
    }
  });

  test('a stream whose token has no exp stays open past the time another token expires', async () => {
    const running = await startHub();
    try {
      const reader = await subscribe(running.endpoint, [TOPIC], {
        token: await token({ subscribe: [TOPIC], ttlSeconds: 0 }),
      });
      const expiring = await subscribe(running.endpoint, [TOPIC], {
        token: await token({ subscribe: [TOPIC], ttlSeconds: TTL_SECONDS }),
      });
      await assert.rejects(expiring.next(5000), /stream ended/);
      assert.equal(running.hub.subscriberCount, 1, 'only the expired stream was closed');
      reader.close();
    } finally {
      await running.close();
    }
  });
});

describe('the dashboard closes its admin stream when the admin token expires', () => {
  test('the admin stream sends stats until exp, then ends: after exp and within exp + 2 s', async () => {
    const running = await startWebHub();
    try {
      const jwt = await token({ publish: ['*'], subscribe: ['*'], ttlSeconds: TTL_SECONDS });
      const exp = expiresAt(jwt);
      const admin = await subscribe(`${running.origin}/dashboard/stream`, [], { token: jwt });
      assert.equal(admin.response.status, 200);
      let stats = 0;
      // Stats arrive every 200 ms, so the stream is alive until it is closed; a stream that outlives exp by
      // 5 s fails the loop's bound.
      const error = await (async () => {
        for (;;) {
          if (Date.now() > exp + 5000) return new Error('still open 5 s after exp');
          try {
            await admin.next(1000);
            stats++;
          } catch (e) {
            return e as Error;
          }
        }
      })();
      const closedAt = Date.now();
      assert.match(error.message, /stream ended/);
      assert.ok(stats > 0, 'the stream was live before exp');
      assert.ok(closedAt >= exp, `closed ${exp - closedAt} ms before exp`);
      assert.ok(closedAt <= exp + 2000, `closed ${closedAt - exp} ms after exp`);
    } finally {
      await running.close();
    }
  });
});

describe('connect() with refreshAuth rolls over expiring tokens with 0 lost and 0 duplicated', () => {
  test('Authorization header: the client refreshes just before exp, across three expiries', async () => {
    const running = await startHub();
    let bearer = await token({ subscribe: [TOPIC], ttlSeconds: TTL_SECONDS });
    const tokens = [bearer];
    const seen: number[] = [];
    const connection = connect(`${running.endpoint}?topic=${encodeURIComponent(TOPIC)}`, {
      headers: () => ({ Authorization: `Bearer ${bearer}` }),
      refreshAuth: async () => {
        bearer = await token({ subscribe: [TOPIC], ttlSeconds: TTL_SECONDS });
        tokens.push(bearer);
      },
      onEvent: (event) => seen.push(Number(event.data)),
    });
    try {
      await waitUntil(() => running.hub.subscriberCount === 1, 5000);
      const firstExp = expiresAt(tokens[0] as string);
      // Three expiries passed: the third token's exp is behind us and a fourth token is in use.
      await publishWhile(running, () => tokens.length > EXPIRIES && Date.now() > firstExp, seen);
    } finally {
      connection.close();
      await running.close();
    }
  });

  test('cookie: the hub closes each stream at exp, the client reconnects, gets a 401, refreshes, resumes', async () => {
    const running = await startHub();
    // A cookie hides the token from the client, so it cannot refresh early: every rollover starts with the
    // hub closing the stream at exp — the path this test is about.
    let jwt = await token({ subscribe: [TOPIC], ttlSeconds: TTL_SECONDS });
    let refreshes = 0;
    let closes = 0;
    const seen: number[] = [];
    const connection = connect(`${running.endpoint}?topic=${encodeURIComponent(TOPIC)}`, {
      headers: () => ({ Cookie: `${AUTH_COOKIE}=${jwt}` }),
      refreshAuth: async () => {
        refreshes++;
        jwt = await token({ subscribe: [TOPIC], ttlSeconds: TTL_SECONDS });
      },
      onRetry: () => {
        closes++;
      },
      onEvent: (event) => seen.push(Number(event.data)),
    });
    try {
      await waitUntil(() => running.hub.subscriberCount === 1, 5000);
      await publishWhile(running, () => refreshes >= EXPIRIES && running.hub.subscriberCount === 1, seen);
      assert.ok(closes >= EXPIRIES, `the hub ended ${closes} streams`);
    } finally {
      connection.close();
      await running.close();
    }
  });
});
