/**
 * Both Mercure generations on one hub, from Chromium's native EventSource: pages subscribing the 1.0 way
 * (`?match_urlpattern=` with the alphas' authorization-detail type, and `?matchURLPattern=`; an `at+jwt`
 * access token in the `mercureAccessToken` cookie or the `access_token` query parameter) and the 0.x way
 * (`?topic=`, a `mercure` claim token in the `mercureAuthorization` cookie) receive each other's publishes,
 * private ones included, and a narrower 1.0 token still filters private updates. docs/mercure.md, "Two
 * generations, one hub".
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { publish, type RunningHub, SECRET, startHub, token } from '../fixtures/hub.js';

/** The hub's resource identifier: what a 1.0 access token names in `aud` (any absolute URL will do). */
const AUDIENCE = 'https://hub.example.test/.well-known/mercure';
const BOOKS_PATTERN = 'https://example.com/books/:id';
const BOOKS_TEMPLATE = 'https://example.com/books/{id}';

type Matcher = { match: string; matchType?: 'Exact' | 'URLPattern' } | { match_urlpattern: string };

/**
 * A Mercure 1.0 access token (RFC 9068) granting `action` on `topics`, signed with the test secret; `type`
 * is the detail type (`https://mercure.rocks/authorization-detail` for the alpha generation).
 */
function accessToken(action: 'publish' | 'subscribe', topics: Matcher[], type = 'mercure'): Promise<string> {
  return new SignJWT({ authorization_details: [{ type, actions: [action], topics }] })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setAudience(AUDIENCE)
    .setSubject(`${action}-client`)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

interface Subscriber {
  readonly name: string;
  readonly page: Page;
  readonly context: BrowserContext;
}

/** A page of the hub's origin (so its cookie is sent) holding one EventSource that records `id:data`. */
async function openSubscriber(
  browser: Browser,
  running: RunningHub,
  name: string,
  query: string,
  cookie?: { name: string; value: string },
): Promise<Subscriber> {
  const context = await browser.newContext();
  if (cookie !== undefined) await context.addCookies([{ ...cookie, url: running.origin }]);
  const page = await context.newPage();
  await page.goto(`${running.origin}/`);
  await page.evaluate((url) => {
    const w = window as unknown as { received: string[]; opened?: boolean; failed?: boolean };
    w.received = [];
    const source = new EventSource(url, { withCredentials: true });
    source.onopen = () => {
      w.opened = true;
    };
    source.onerror = () => {
      if (w.opened !== true) w.failed = true;
    };
    source.onmessage = (event) => w.received.push(`${event.lastEventId}:${event.data}`);
  }, `/.well-known/mercure?${query}`);
  await page.waitForFunction(() => {
    const w = window as unknown as { opened?: boolean; failed?: boolean };
    return w.opened === true || w.failed === true;
  });
  assert.equal(await page.evaluate(() => (window as unknown as { opened?: boolean }).opened), true, `${name} opened`);
  return { name, page, context };
}

function received(subscriber: Subscriber): Promise<string[]> {
  return subscriber.page.evaluate(() => (window as unknown as { received: string[] }).received);
}

async function publishedId(response: Response): Promise<string> {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text;
}

describe('Chromium: Mercure 0.x and 1.0 clients on one hub', { skip: browserSkipReason() }, () => {
  let browser: Browser;
  let running: RunningHub;
  before(async () => {
    browser = await launchChromium();
    running = await startHub({ jwtAudience: AUDIENCE });
  });
  after(async () => {
    await browser?.close();
    await running?.close();
  });

  test('1.0 pages (match_urlpattern, matchURLPattern; at+jwt) and a 0.x page (topic; mercure claim) get each other’s publishes, private ones included', async () => {
    const bookReader = await accessToken('subscribe', [{ match: BOOKS_PATTERN, matchType: 'URLPattern' }]);
    const alphaReader = await accessToken(
      'subscribe',
      [{ match_urlpattern: BOOKS_PATTERN }],
      'https://mercure.rocks/authorization-detail',
    );
    const pages = [
      // A client of the 1.0 alphas: their query parameter and detail type, the token in the 1.0 cookie.
      await openSubscriber(
        browser,
        running,
        '1.0 alpha + cookie',
        `match_urlpattern=${encodeURIComponent(BOOKS_PATTERN)}`,
        { name: 'mercureAccessToken', value: alphaReader },
      ),
      // The 1.0 spelling, the token in the access_token query parameter.
      await openSubscriber(
        browser,
        running,
        '1.0 + access_token',
        `matchURLPattern=${encodeURIComponent(BOOKS_PATTERN)}&access_token=${bookReader}`,
      ),
      // 0.x: a URI template selector, a mercure-claim token in the 0.x cookie.
      await openSubscriber(browser, running, '0.x + cookie', `topic=${encodeURIComponent(BOOKS_TEMPLATE)}`, {
        name: 'mercureAuthorization',
        value: await token({ subscribe: [BOOKS_TEMPLATE] }),
      }),
    ];
    // A 1.0 page whose token reads only book 1: it must not get book 2's private update.
    const narrow = await openSubscriber(
      browser,
      running,
      '1.0 narrow',
      `matchURLPattern=${encodeURIComponent(BOOKS_PATTERN)}`,
      {
        name: 'mercureAccessToken',
        value: await accessToken('subscribe', [{ match: 'https://example.com/books/1' }]),
      },
    );
    try {
      const oldPublisher = await token({ publish: [BOOKS_TEMPLATE] });
      const newPublisher = await accessToken('publish', [{ match: BOOKS_PATTERN, matchType: 'URLPattern' }]);
      const ids = {
        oldPublic: await publishedId(
          await publish(
            running.endpoint,
            { topic: 'https://example.com/books/1', data: '0.x public', id: 'old-public' },
            oldPublisher,
          ),
        ),
        oldPrivate: await publishedId(
          await publish(
            running.endpoint,
            { topic: 'https://example.com/books/1', data: '0.x private', id: 'old-private', private: true },
            oldPublisher,
          ),
        ),
        newPublic: await publishedId(
          await publish(
            running.endpoint,
            { topic: 'https://example.com/books/2', data: '1.0 public', id: 'new-public' },
            newPublisher,
          ),
        ),
        newPrivate: await publishedId(
          await publish(
            running.endpoint,
            { topic: 'https://example.com/books/2', data: '1.0 private', id: 'new-private', private: true },
            newPublisher,
          ),
        ),
      };
      assert.deepEqual(Object.values(ids), ['old-public', 'old-private', 'new-public', 'new-private']);
      const everything = [
        'old-public:0.x public',
        'old-private:0.x private',
        'new-public:1.0 public',
        'new-private:1.0 private',
      ];
      for (const subscriber of pages) {
        await subscriber.page.waitForFunction(
          (count) => (window as unknown as { received: string[] }).received.length >= count,
          everything.length,
        );
        assert.deepEqual(await received(subscriber), everything, subscriber.name);
      }
      // The narrow page: everything public, and the private update of the one book its token covers. A public
      // fence published last arrives after anything sent before it (one stream keeps its order): once it is
      // there, book 2's private update was not delivered.
      await publishedId(
        await publish(
          running.endpoint,
          { topic: 'https://example.com/books/3', data: 'fence', id: 'fence' },
          oldPublisher,
        ),
      );
      await narrow.page.waitForFunction(() =>
        (window as unknown as { received: string[] }).received.includes('fence:fence'),
      );
      assert.deepEqual(await received(narrow), [
        'old-public:0.x public',
        'old-private:0.x private',
        'new-public:1.0 public',
        'fence:fence',
      ]);
    } finally {
      for (const subscriber of [...pages, narrow]) await subscriber.context.close();
    }
  });
});
