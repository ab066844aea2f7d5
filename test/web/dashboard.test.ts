import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
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

  test('without a token the page asks for one and the stream answers 401', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${running.origin}/`);
      assert.equal(await page.locator('#connection').getAttribute('data-state'), 'signed-out');
      assert.equal(await page.locator('#app').isHidden(), true);
      await page.fill('#token', 'not-a-jwt');
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#connection[data-state=refused]');
      const response = await fetch(`${running.origin}/dashboard/stream?authorization=not-a-jwt`);
      assert.equal(response.status, 401);
      assert.match(await response.text(), /HOTLINE_HUB_UNAUTHORIZED/);
    } finally {
      await page.close();
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
      if (process.env.HOTLINE_SCREENSHOTS === '1') {
        const demoReaders = await Promise.all(
          ['/stocks/{symbol}', '/news', '/matches/{id}'].map((topic) => subscribe(running.endpoint, [topic])),
        );
        await page.waitForTimeout(3000);
        await page.screenshot({ path: 'docs/dashboard.png', fullPage: true });
        for (const reader of demoReaders) reader.close();
      }
    } finally {
      demo.stop();
      await page.close();
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

  test('the dashboard stream takes only a verified token that may publish to every topic', async () => {
    const cases: [string, number][] = [
      [await token({ subscribe: ['/users/alice/notifications'] }), 401],
      [await token({ publish: ['/news'] }), 401],
      [await token({ publish: ['*'] }, 'another-secret-that-is-long-enough-for-hs256'), 401],
      [await adminToken(), 200],
    ];
    for (const [jwt, status] of cases) {
      const controller = new AbortController();
      const response = await fetch(`${running.origin}/dashboard/stream?authorization=${jwt}`, {
        signal: controller.signal,
      });
      assert.equal(response.status, status);
      if (status === 200) assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      controller.abort();
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
