import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createPublishOriginCheck } from '../../src/hub/auth/index.js';
import { createHub } from '../../src/hub/hub.js';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { type RunningHub, startHub, token } from '../fixtures/hub.js';

const APP = 'https://app.example';

/** A publish the way a browser sends one with the cookie: form body, cookie, and whatever origin headers. */
async function cookiePublish(
  running: RunningHub,
  jwt: string,
  headers: Record<string, string>,
): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(running.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      Cookie: `theme=dark; mercureAuthorization=${jwt}`,
      ...headers,
    },
    body: new URLSearchParams({ topic: '/csrf', data: 'x' }),
  });
  const text = await response.text();
  const code = response.status === 200 ? undefined : (JSON.parse(text) as { error: { code: string } }).error.code;
  return { status: response.status, code };
}

describe('publishes authorized by the mercureAuthorization cookie check Origin, else Referer', () => {
  let running: RunningHub;
  let publisher: string;
  before(async () => {
    running = await startHub({ publishOrigins: [APP] });
    publisher = await token({ publish: ['*'] });
  });
  after(() => running.close());

  const forbidden = { status: 403, code: 'HOTLINE_HUB_FORBIDDEN_ORIGIN' };

  test("a page of the hub's own origin publishes", async () => {
    assert.deepEqual(await cookiePublish(running, publisher, { Origin: running.origin }), {
      status: 200,
      code: undefined,
    });
  });

  test('a page of a configured publish origin publishes', async () => {
    assert.deepEqual(await cookiePublish(running, publisher, { Origin: APP }), { status: 200, code: undefined });
  });

  test('a foreign origin is refused with 403 JSON, and nothing is stored', async () => {
    const before = running.hub.stats().published;
    assert.deepEqual(await cookiePublish(running, publisher, { Origin: 'https://evil.example' }), forbidden);
    // Cookies ignore ports: a page on another port of the hub's host holds the cookie too.
    const otherPort = `http://127.0.0.1:${Number(new URL(running.origin).port) + 1}`;
    assert.deepEqual(await cookiePublish(running, publisher, { Origin: otherPort }), forbidden);
    assert.deepEqual(
      await cookiePublish(running, publisher, { Origin: 'https://app.example.evil.example' }),
      forbidden,
    );
    assert.equal(running.hub.stats().published, before);
  });

  test("without Origin, the Referer's origin decides", async () => {
    const ok = await cookiePublish(running, publisher, { Referer: `${running.origin}/demo?tab=2#top` });
    assert.deepEqual(ok, { status: 200, code: undefined });
    assert.deepEqual(await cookiePublish(running, publisher, { Referer: `${APP}/admin/page` }), {
      status: 200,
      code: undefined,
    });
    assert.deepEqual(await cookiePublish(running, publisher, { Referer: 'https://evil.example/page' }), forbidden);
  });

  test('with neither Origin nor Referer the publish is refused', async () => {
    assert.deepEqual(await cookiePublish(running, publisher, {}), forbidden);
  });

  test('an opaque origin ("null") is refused, whatever the Referer says', async () => {
    assert.deepEqual(
      await cookiePublish(running, publisher, { Origin: 'null', Referer: `${running.origin}/page` }),
      forbidden,
    );
  });

  test('a bearer token in the header or the query publishes from any origin', async () => {
    const headers = { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' };
    const body = () => new URLSearchParams({ topic: '/csrf', data: 'x' });
    const byHeader = await fetch(running.endpoint, {
      method: 'POST',
      headers: { ...headers, Authorization: `Bearer ${publisher}` },
      body: body(),
    });
    assert.equal(byHeader.status, 200, await byHeader.text());
    const byQuery = await fetch(`${running.endpoint}?authorization=${publisher}`, {
      method: 'POST',
      headers,
      body: body(),
    });
    assert.equal(byQuery.status, 200, await byQuery.text());
  });

  test('the origin is checked before the token: a forged cookie from a foreign page learns nothing of it', async () => {
    assert.deepEqual(await cookiePublish(running, 'not-a-jwt', { Origin: 'https://evil.example' }), forbidden);
    assert.deepEqual(await cookiePublish(running, 'not-a-jwt', { Origin: running.origin }), {
      status: 401,
      code: 'HOTLINE_HUB_UNAUTHORIZED',
    });
  });
});

describe('publishOrigins', () => {
  test('"*" turns the check off, as Mercure\'s publish_origins does', async () => {
    const running = await startHub({ publishOrigins: ['*'] });
    try {
      const jwt = await token({ publish: ['*'] });
      assert.equal((await cookiePublish(running, jwt, { Origin: 'https://evil.example' })).status, 200);
      assert.equal((await cookiePublish(running, jwt, {})).status, 200);
    } finally {
      await running.close();
    }
  });

  test('an entry that is not an origin is refused by createHub', async () => {
    for (const bad of ['app.example', 'https://app.example/path', 'ftp://app.example']) {
      await assert.rejects(createHub({ publishOrigins: [bad] }), { code: 'HOTLINE_HUB_INVALID_OPTIONS' }, bad);
    }
  });

  test("the hub's own origin is the Host header's host and port, a missing port being the scheme's default", () => {
    const check = createPublishOriginCheck([]);
    const passes = (headers: Record<string, string>) => {
      try {
        check(headers);
        return true;
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'HOTLINE_HUB_FORBIDDEN_ORIGIN');
        return false;
      }
    };
    // Behind a TLS-terminating proxy: the page is https, the hub hears the Host the browser wrote.
    assert.ok(passes({ host: 'hub.example', origin: 'https://hub.example' }));
    assert.ok(passes({ host: 'hub.example:443', origin: 'https://hub.example' }));
    assert.ok(passes({ host: 'HUB.example', origin: 'https://hub.example' }));
    assert.ok(passes({ host: '[::1]:3000', origin: 'http://[::1]:3000' }));
    assert.ok(passes({ host: 'hub.example:8443', referer: 'https://hub.example:8443/a/b' }));
    assert.ok(!passes({ host: 'hub.example:8443', origin: 'https://hub.example' }));
    assert.ok(!passes({ host: 'hub.example', origin: 'https://hub.example.evil.example' }));
    assert.ok(!passes({ host: 'evil.example@hub.example', origin: 'https://evil.example' }));
    assert.ok(!passes({ origin: 'https://hub.example' }), 'no Host: only the configured origins');
    assert.ok(!passes({ host: 'hub.example', referer: 'not a url' }));
  });
});

describe('cross-site request forgery from Chromium', { skip: browserSkipReason() }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  test("a page on another port of the hub's host POSTing with credentials is refused; the hub's own page is not", async () => {
    const page = '<!doctype html><title>page</title>';
    const running = await startHub({
      extension: () => ({
        handle(_req, res, url) {
          if (url.pathname !== '/page') return false;
          res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
          return true;
        },
        close() {},
      }),
    });
    const attacker: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    const context = await browser.newContext();
    try {
      // The hub's cookie, as a page of the hub would have set it; it ignores ports, like every cookie.
      await context.addCookies([
        { name: 'mercureAuthorization', value: await token({ publish: ['*'] }), url: running.origin },
      ]);
      const tab = await context.newPage();
      const post = (data: string) =>
        tab.evaluate(
          async ([endpoint, body]) => {
            try {
              const response = await fetch(endpoint!, {
                method: 'POST',
                credentials: 'include',
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
                body: body!,
              });
              return `${response.status}`;
            } catch {
              // A cross-origin answer without CORS headers is unreadable; the request was still sent.
              return 'unreadable';
            }
          },
          [running.endpoint, new URLSearchParams({ topic: '/csrf', data }).toString()] as const,
        );
      await tab.goto(`${running.origin}/page`);
      assert.equal(await post('from the hub'), '200');
      await tab.goto(`${attackerOrigin}/`);
      assert.equal(await post('forged'), 'unreadable');
      const stored = await running.hub.log.readAfter(0, 10);
      assert.deepEqual(
        stored.map((update) => update.data),
        ['from the hub'],
      );
      const refused = Number(
        (await running.hub.metrics.getSingleMetricAsString('hotline_rejected_requests_total')).match(
          /status="403"\} (\d+)/,
        )?.[1] ?? 0,
      );
      assert.equal(refused, 1, 'the forged publish reached the hub, with the cookie, and was refused');
    } finally {
      await context.close();
      await running.close();
      await new Promise((resolve) => attacker.close(resolve));
    }
  });
});
