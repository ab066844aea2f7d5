import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import { DEFAULT_ASSETS_DIR, startDemoPublisher } from '../../src/hub/dashboard/index.js';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { subscribe, token } from '../fixtures/hub.js';
import { adminToken, startWebHub, type WebHub } from './web-hub.js';

const skip = browserSkipReason();

describe('dashboard', { skip }, () => {
  let browser: Browser;
  let running: WebHub;

  before(async () => {
    browser = await launchChromium();
    running = await startWebHub();
  });
  after(async () => {
    await browser?.close();
    await running?.close();
  });

  /** A dashboard page signed in with an admin token. */
  async function signedInPage(options: Parameters<Browser['newPage']>[0] = {}): Promise<Page> {
    const page = await browser.newPage(options);
    await page.goto(`${running.origin}/`);
    await page.fill('#token', await adminToken());
    await page.click('#token-form button[type=submit]');
    return page;
  }

  test('without a token the page asks for one; a token that is not a JWT is refused with the hub’s reason', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${running.origin}/`);
      assert.equal(await page.locator('#connection').getAttribute('data-state'), 'signed-out');
      assert.equal(await page.locator('#app').isHidden(), true);
      assert.equal(await page.locator('#stream-problem').isHidden(), true);
      await page.fill('#token', 'not-a-jwt');
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#connection[data-state=refused]');
      assert.equal(
        await page.locator('#stream-problem').textContent(),
        'The hub refused the token: the token is not a JWT. Paste a valid token and press Connect.',
      );
    } finally {
      await page.close();
    }
  });

  test('the token never appears in a URL: the stream and the publish form send it in an Authorization header', async () => {
    const page = await browser.newPage();
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    const jwt = await adminToken();
    try {
      await page.goto(`${running.origin}/`);
      await page.fill('#token', jwt);
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#connection[data-state=open]');
      await page.fill('#p-topic', '/header/topic');
      await page.click('#publish-form button[type=submit]');
      await page.waitForFunction(() => document.getElementById('publish-result')?.textContent?.startsWith('Published'));
      // A reload reconnects with the token kept in the tab.
      await page.reload();
      await page.waitForSelector('#connection[data-state=open]');
      const signature = jwt.split('.')[2]!;
      for (const request of requests) {
        assert.ok(!request.url().includes(signature), `the token is in ${request.url()}`);
        assert.ok(!/authorization=/i.test(request.url()), `an authorization parameter is in ${request.url()}`);
      }
      const streams = requests.filter((r) => new URL(r.url()).pathname === '/dashboard/stream');
      const publishes = requests.filter((r) => r.method() === 'POST' && r.url().endsWith('/.well-known/mercure'));
      assert.equal(streams.length, 2, 'one stream per page load');
      assert.equal(publishes.length, 1);
      for (const request of [...streams, ...publishes]) {
        assert.equal((await request.allHeaders()).authorization, `Bearer ${jwt}`, request.url());
      }
    } finally {
      await page.close();
    }
  });

  test('a refused token shows the hub’s reason and is not retried until the operator connects with another', async () => {
    const page = await browser.newPage();
    const streamRequests: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/dashboard/stream') streamRequests.push(request.url());
    });
    try {
      await page.goto(`${running.origin}/`);
      await page.fill('#token', await token({ publish: ['/news'] }));
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#connection[data-state=refused]');
      assert.equal(await page.locator('#connection').textContent(), 'Token refused');
      assert.equal(
        await page.locator('#stream-problem').textContent(),
        'The hub refused the token: the token may not publish to every topic: the dashboard needs ' +
          '"mercure": {"publish": ["*"]}. Paste a valid token and press Connect.',
      );
      // The old page retried a refused token every 3 s; the stream's retry hint is 1 s.
      await page.waitForTimeout(4000);
      assert.equal(streamRequests.length, 1, 'no stream request after the refusal');
      assert.equal(await page.locator('#connection').getAttribute('data-state'), 'refused');
      await page.fill('#token', await adminToken());
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#connection[data-state=open]');
      assert.equal(await page.locator('#stream-problem').isHidden(), true);
      assert.equal(streamRequests.length, 2);
    } finally {
      await page.close();
    }
  });

  test('a hub that goes away is retried, and the page is live again once it is back', async () => {
    const first = await startWebHub();
    let second: WebHub | undefined;
    const page = await browser.newPage();
    try {
      await page.goto(`${first.origin}/`);
      await page.fill('#token', await adminToken());
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#connection[data-state=open]');
      await first.close();
      await page.waitForSelector('#connection[data-state=reconnecting]');
      assert.match(
        (await page.locator('#stream-problem').textContent()) ?? '',
        /^Connection lost: the stream ended \(http:\/\/127\.0\.0\.1:\d+\/dashboard\/stream\)\. Retrying in \d+ s\.$/,
      );
      second = await startWebHub({ port: first.port });
      await page.waitForSelector('#connection[data-state=open]', { timeout: 60_000 });
      assert.equal(await page.locator('#stream-problem').isHidden(), true);
    } finally {
      await page.close();
      await second?.close();
    }
  });

  test('shows the subscriber count, which changes when a subscriber connects and leaves', async () => {
    const page = await signedInPage();
    try {
      await page.waitForSelector('#connection[data-state=open]');
      await page.waitForFunction(() => document.getElementById('subscribers')?.textContent === '0');
      const reader = await subscribe(running.endpoint, ['/dashboard-test/{id}']);
      await page.waitForFunction(() => document.getElementById('subscribers')?.textContent === '1');
      const selectors = await page.locator('#selectors-body').textContent();
      assert.equal(selectors, '/dashboard-test/{id}1');
      reader.close();
      await page.waitForFunction(() => document.getElementById('subscribers')?.textContent === '0');
    } finally {
      await page.close();
    }
  });

  test('a publish from the form reaches a subscriber and appears in the recent updates', async () => {
    const page = await signedInPage();
    try {
      await page.waitForSelector('#connection[data-state=open]');
      const reader = await subscribe(running.endpoint, ['/form/topic']);
      await page.fill('#p-topic', '/form/topic');
      await page.fill('#p-data', 'hello from the form');
      await page.fill('#p-type', 'greeting');
      await page.click('#publish-form button[type=submit]');
      const event = await reader.next();
      assert.equal(event.data, 'hello from the form');
      assert.equal(event.type, 'greeting');
      const row = page.locator(`#recent-body tr[data-id="${event.lastEventId}"]`);
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      assert.deepEqual(cells.slice(1), ['/form/topic', 'greeting', event.lastEventId, '19 B', 'public']);
      assert.equal(await page.locator('#publish-result').textContent(), `Published ${event.lastEventId}`);
      reader.close();
    } finally {
      await page.close();
    }
  });

  test('events/s follows a steady publisher, and the chart is drawn', async () => {
    const demo = startDemoPublisher(running.hub, { tickMs: 100 });
    const page = await signedInPage({ viewport: { width: 1200, height: 1100 } });
    try {
      // Five prices and two scores per tick, ten ticks a second: around 70 events/s.
      await page.waitForFunction(() => Number(document.getElementById('events-rate')?.textContent) > 20);
      assert.equal(await page.locator('#chart canvas').count(), 1);
      await page.waitForFunction(() => (document.getElementById('recent-body')?.children.length ?? 0) >= 20);
    } finally {
      demo.stop();
      await page.close();
    }
  });

  test('both pages carry their icon inline: no request for a /favicon.ico the hub answers 404', async () => {
    for (const path of ['/', '/demo']) {
      // A fresh context: Chromium asks for a page's icon once per profile.
      const context = await browser.newContext();
      const notFound: string[] = [];
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('404')) notFound.push(message.text());
      });
      try {
        await page.goto(`${running.origin}${path}`);
        const icon = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel=icon]')?.href);
        assert.equal(icon, 'data:,', `the icon of ${path}`);
        assert.deepEqual(notFound, [], `404s on ${path}`);
      } finally {
        await context.close();
      }
    }
  });

  test('works on a narrow screen without horizontal scrolling', async () => {
    const page = await signedInPage({ viewport: { width: 360, height: 740 } });
    try {
      await page.waitForSelector('#connection[data-state=open]');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
      // Every form control has a label.
      const unlabeled = await page.evaluate(
        () =>
          [...document.querySelectorAll('input, textarea')].filter(
            (input) => input.id === '' || document.querySelector(`label[for="${input.id}"]`) === null,
          ).length,
      );
      assert.equal(unlabeled, 0);
    } finally {
      await page.close();
    }
  });
});

describe('dashboard assets', () => {
  let running: WebHub;
  before(async () => {
    running = await startWebHub();
  });
  after(() => running?.close());

  test('serves the pages and bundles, refuses other names, and leaves other paths to the hub', async () => {
    const home = await fetch(`${running.origin}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await home.text(), /<title>Hotline hub · dashboard<\/title>/);
    const script = await fetch(`${running.origin}/assets/demo.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /text\/javascript/);
    await script.arrayBuffer();
    for (const path of ['/assets/..%2Fpackage.json', '/assets/../../package.json', '/assets/missing.js']) {
      const response = await fetch(`${running.origin}${path}`);
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
    const health = await fetch(`${running.origin}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });

  test('the dashboard stream takes only a verified token that may publish to every topic, in a header or the query', async () => {
    const cases: [string, number][] = [
      [await token({ subscribe: ['/users/alice/notifications'] }), 401],
      [await token({ publish: ['/news'] }), 401],
      [await token({ publish: ['*'] }, 'another-secret-that-is-long-enough-for-hs256'), 401],
      [await adminToken(), 200],
    ];
    for (const [jwt, status] of cases) {
      // The dashboard sends a header; other clients may still use the Mercure query parameter.
      for (const [path, headers] of [
        ['/dashboard/stream', { Authorization: `Bearer ${jwt}` }],
        [`/dashboard/stream?authorization=${jwt}`, {}],
      ] as const) {
        const controller = new AbortController();
        const response = await fetch(`${running.origin}${path}`, { headers, signal: controller.signal });
        assert.equal(response.status, status, path);
        if (status === 200) assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        controller.abort();
      }
    }
  });

  test('by default the assets are the package’s web/dist; unbuilt pages say how to build them', async () => {
    assert.equal(DEFAULT_ASSETS_DIR, join(process.cwd(), 'web', 'dist') + sep);
    const empty = mkdtempSync(join(tmpdir(), 'hotline-web-empty-'));
    const unbuilt = await startWebHub({ dashboard: { assetsDir: empty } });
    try {
      const response = await fetch(`${unbuilt.origin}/demo`, { headers: { Accept: 'text/plain' } });
      assert.equal(response.status, 503);
      assert.equal(await response.text(), 'HOTLINE_HUB_UNAVAILABLE: the dashboard is not built: run `npm run build`\n');
    } finally {
      await unbuilt.close();
      rmSync(empty, { recursive: true });
    }
  });

  test('the demo sign-in sets an HttpOnly token cookie scoped to the hub endpoint', async () => {
    const response = await fetch(`${running.origin}/demo/session`, { method: 'POST' });
    assert.equal(response.status, 204);
    const cookies = response.headers.getSetCookie();
    assert.match(
      cookies[0] ?? '',
      /^mercureAuthorization=ey.*; Path=\/\.well-known\/mercure; HttpOnly; SameSite=Strict$/,
    );
    assert.match(cookies[1] ?? '', /^hotline-demo-user=alice;/);
    const config = (await (await fetch(`${running.origin}/demo/config`)).json()) as { user: string };
    assert.equal(config.user, 'alice');
  });
});
