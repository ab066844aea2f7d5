import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDemoPublisher } from '../../src/hub/dashboard/index.js';
import { createMemoryLog } from '../../src/hub/log/memory.js';
import { createSqliteLog } from '../../src/hub/log/sqlite.js';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { waitUntil } from '../fixtures/sse-test-server.js';
import { startWebHub } from './web-hub.js';

const skip = browserSkipReason();

async function openDemo(page: Page, origin: string, signIn: boolean): Promise<void> {
  await page.goto(`${origin}/demo`);
  if (signIn) {
    await page.click('#sign-in');
    await page.waitForFunction(() => document.getElementById('sign-in')?.textContent === 'Sign out alice');
  }
  await page.waitForSelector('#connection[data-state=open]');
}

function count(page: Page, panel: string): Promise<number> {
  return page.evaluate((id) => Number(document.getElementById(id)?.dataset.count ?? '0'), `${panel}-panel`);
}

describe('demo', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  test('each of the four panels updates from the demo publisher', async () => {
    const running = await startWebHub();
    const demo = startDemoPublisher(running.hub, { tickMs: 100 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await openDemo(page, running.origin, true);
      await page.waitForFunction(() => document.querySelectorAll('#stocks-body tr').length === 5);
      await page.waitForFunction(
        () => document.querySelectorAll('#stocks-body tr.up, #stocks-body tr.down').length > 0,
      );
      await page.waitForFunction(() => document.querySelectorAll('#news-list li').length >= 2);
      await page.waitForFunction(() => document.querySelectorAll('#matches .match').length === 2);
      await page.waitForFunction(() => document.querySelectorAll('#notification-list li.personal').length >= 1);
      await page.waitForSelector('#toasts .toast.personal');
      for (const panel of ['stocks', 'news', 'sports', 'notifications']) {
        assert.ok((await count(page, panel)) > 0, `${panel} has received nothing`);
      }
      const price = await page.locator('#stocks-body tr[data-symbol=ACME] td').first().textContent();
      assert.match(price ?? '', /^\d+\.\d\d$/);
      assert.match((await page.locator('#matches .match').first().textContent()) ?? '', /\d+ – \d+ .*\d+′/);
      // The match clock advances.
      const minute = () => page.locator('[data-match=m1] .minute').textContent();
      const before = await minute();
      await page.waitForFunction(
        (seen) => document.querySelector('[data-match=m1] .minute')?.textContent !== seen,
        before,
      );
      assert.equal(await page.evaluate(() => document.body.dataset.duplicates), '0');
    } finally {
      demo.stop();
      await context.close();
      await running.close();
    }
  });

  test('[NON-SPEC] every panel shows the current state at once, before the next publish (state on subscribe)', async () => {
    const log = createMemoryLog();
    const running = await startWebHub({ log });
    const demo = startDemoPublisher(running.hub, { tickMs: 20 });
    const context = await browser.newContext();
    try {
      // 20 ticks or more: 5 prices and 2 scores each, a headline every 4, alice's notices every 6 from tick 3,
      // the public notice on tick 15.
      await waitUntil(() => running.hub.stats().published >= 20 * 7 + 5 + 3 + 1, 10_000);
      demo.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const published = running.hub.stats().published;
      const stored = await log.readAfter(0, 100_000);
      const onTopic = (topic: string) => stored.filter((update) => update.topics[0] === topic).length;
      const page = await context.newPage();
      await openDemo(page, running.origin, true);
      // Nothing is published from here on: what the panels show came as state.
      const shown = (selector: string, n: number) =>
        page.waitForFunction(([s, expected]) => document.querySelectorAll(s).length === expected, [
          selector,
          n,
        ] as const);
      await shown('#stocks-body tr', 5);
      await shown('#matches .match', 2);
      await shown('#news-list li', Math.min(10, onTopic('/news')));
      await shown('#notification-list li.personal', Math.min(5, onTopic('/users/alice/notifications')));
      await shown('#notification-list li:not(.personal)', Math.min(5, onTopic('/notifications')));
      assert.equal(running.hub.stats().published, published);
      // One price per symbol and one score per match (latest), not their history.
      assert.equal(await count(page, 'stocks'), 5);
      assert.equal(await count(page, 'sports'), 2);
      assert.equal(await page.evaluate(() => document.body.dataset.duplicates), '0');
    } finally {
      demo.stop();
      await context.close();
      await running.close();
    }
  });

  test('[NON-SPEC] a second tab, which shares the first tab’s connection, shows the state at once too', async () => {
    const running = await startWebHub();
    const demo = startDemoPublisher(running.hub, { tickMs: 20 });
    const context = await browser.newContext();
    const streams: string[] = [];
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/.well-known/mercure') streams.push(url.search);
    });
    try {
      await waitUntil(() => running.hub.stats().published >= 20 * 7 + 5, 10_000);
      demo.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const full = async (page: Page) => {
        await page.waitForFunction(() => document.querySelectorAll('#stocks-body tr').length === 5);
        await page.waitForFunction(() => document.querySelectorAll('#matches .match').length === 2);
        await page.waitForFunction(() => document.querySelectorAll('#news-list li').length >= 5);
      };
      const first = await context.newPage();
      await openDemo(first, running.origin, false);
      await full(first);
      const second = await context.newPage();
      await openDemo(second, running.origin, false);
      // Nothing published since: the second tab got the state through a stream of its own.
      await full(second);
      assert.equal(await count(second, 'stocks'), 5);
      assert.equal(streams.length, 2);
      assert.ok(streams.every((search) => new URLSearchParams(search).getAll('state').includes('latest')));
      // The second tab's own stream ended with its state (`: state end`); the relay goes on for both.
      await waitUntil(() => running.hub.subscriberCount === 1, 10_000);
      const { id } = await running.hub.publish({ topics: '/news', type: 'headline', data: '{"headline":"Live"}' });
      for (const page of [first, second]) {
        await page.waitForFunction((shown) => document.querySelector(`#news-list li[data-id="${shown}"]`) !== null, id);
      }
      const { id: next } = await running.hub.publish({
        topics: '/news',
        type: 'headline',
        data: '{"headline":"After"}',
      });
      await second.waitForFunction(
        (shown) => document.querySelector(`#news-list li[data-id="${shown}"]`) !== null,
        next,
      );
      for (const page of [first, second])
        assert.equal(await page.evaluate(() => document.body.dataset.duplicates), '0');
      assert.equal(await count(second, 'news'), await count(first, 'news'));

      // A third tab joins while the demo publishes (the relay may bring events before its state does).
      const busy = startDemoPublisher(running.hub, { tickMs: 50 });
      try {
        await waitUntil(() => running.hub.stats().published >= 200 + 7 * 20, 10_000);
        // A symbol the demo never moves: published once before the tab opens, only its state can bring it.
        await running.hub.publish({
          topics: '/stocks/QUIET',
          type: 'price',
          data: JSON.stringify({ symbol: 'QUIET', price: 7.25, change: 0 }),
        });
        const third = await context.newPage();
        await openDemo(third, running.origin, false);
        await third.waitForSelector('#stocks-body tr[data-symbol=QUIET]');
        await third.waitForFunction(() => document.querySelectorAll('#stocks-body tr').length === 6);
        assert.equal(await third.evaluate(() => document.body.dataset.duplicates), '0');
      } finally {
        busy.stop();
      }
    } finally {
      demo.stop();
      await context.close();
      await running.close();
    }
  });

  test('private notifications reach only the signed-in browser', async () => {
    const running = await startWebHub();
    const alice = await browser.newContext();
    const stranger = await browser.newContext();
    try {
      const alicePage = await alice.newPage();
      const strangerPage = await stranger.newPage();
      await openDemo(alicePage, running.origin, true);
      await openDemo(strangerPage, running.origin, false);
      await running.hub.publish({
        topics: '/users/alice/notifications',
        private: true,
        type: 'notification',
        data: JSON.stringify({ title: 'Secret for alice', user: 'alice' }),
      });
      // Published after the secret: once a page shows it, the secret had its chance to arrive first.
      await running.hub.publish({
        topics: '/notifications',
        type: 'notification',
        data: JSON.stringify({ title: 'Notice for everyone', user: null }),
      });
      for (const page of [alicePage, strangerPage]) {
        await page.waitForFunction(() =>
          document.getElementById('notification-list')?.textContent?.includes('Notice for everyone'),
        );
      }
      const aliceSees = await alicePage.locator('#notification-list li').allTextContents();
      const strangerSees = await strangerPage.locator('#notification-list li').allTextContents();
      assert.deepEqual(aliceSees, ['Notice for everyone', 'Secret for alice']);
      assert.deepEqual(strangerSees, ['Notice for everyone']);
      assert.equal(await alicePage.locator('#toasts .toast.personal').textContent(), 'Secret for alice×');
      assert.equal(await strangerPage.locator('#toasts .toast.personal').count(), 0);
    } finally {
      await alice.close();
      await stranger.close();
      await running.close();
    }
  });

  test('fits a narrow screen, and signing in works from the keyboard', async () => {
    const running = await startWebHub();
    const demo = startDemoPublisher(running.hub, { tickMs: 100 });
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const page = await context.newPage();
      await openDemo(page, running.origin, false);
      await page.waitForFunction(() => document.querySelectorAll('#stocks-body tr').length === 5);
      await page.waitForFunction(() => document.querySelectorAll('#matches .match').length === 2);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
      await page.focus('#sign-in');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('sign-in')?.textContent === 'Sign out alice');
      await page.waitForSelector('#toasts .toast.personal');
    } finally {
      demo.stop();
      await context.close();
      await running.close();
    }
  });

  test('on a hub that signs nobody in, the page says why, drops stale cookies and still shows the public feeds', async () => {
    const running = await startWebHub({
      dashboard: { demoUser: undefined, demoSignInRefusal: 'demo sign-in needs a hub started with --dev' },
    });
    const demo = startDemoPublisher(running.hub, { tickMs: 100 });
    const context = await browser.newContext();
    try {
      // Left by an earlier --dev run: this hub would refuse the token (401) and the feed would never open.
      await context.addCookies([
        { name: 'mercureAuthorization', value: 'stale.token.x', domain: '127.0.0.1', path: '/.well-known/mercure' },
        { name: 'hotline-demo-user', value: 'alice', domain: '127.0.0.1', path: '/' },
      ]);
      const page = await context.newPage();
      await page.goto(`${running.origin}/demo`);
      await page.waitForSelector('#connection[data-state=open]');
      assert.equal(
        await page.locator('#who').textContent(),
        'Public notices only: demo sign-in needs a hub started with --dev.',
      );
      assert.equal(await page.locator('#sign-in').isHidden(), true);
      assert.deepEqual(
        (await context.cookies()).map((cookie) => cookie.name),
        [],
      );
      await page.waitForFunction(() => document.querySelectorAll('#stocks-body tr').length === 5);
    } finally {
      demo.stop();
      await context.close();
      await running.close();
    }
  });

  test('8 tabs of the demo share one connection; closing the tab that holds it loses nothing', async (t) => {
    const running = await startWebHub();
    const context = await browser.newContext();
    const streams: Page[] = [];
    /** Each tab that joins an open connection reads its state through a short request of its own. */
    const catchUps: Page[] = [];
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname !== '/.well-known/mercure') return;
      const page = request.frame().page();
      // A tab's first request asks for state: the first one to lead, or a catch-up. Later leaders resume.
      if (url.searchParams.has('state') && streams.length > 0) catchUps.push(page);
      else streams.push(page);
    });
    const ids: string[] = [];
    const publishHeadlines = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const data = JSON.stringify({ headline: `headline ${ids.length + 1}` });
        ids.push((await running.hub.publish({ topics: '/news', type: 'headline', data })).id);
      }
    };
    const shown = (page: Page) =>
      page.evaluate(() => [...document.querySelectorAll<HTMLElement>('#news-list li')].map((li) => li.dataset.id));
    try {
      const tabs: Page[] = [];
      for (let i = 0; i < 8; i++) {
        const page = await context.newPage();
        await page.goto(`${running.origin}/demo`);
        // The feed starts after the page has fetched its config; a tab that joins later starts from then.
        await page.waitForFunction(() => document.body.dataset.duplicates === '0', undefined, { polling: 50 });
        tabs.push(page);
      }
      await waitUntil(() => running.hub.subscriberCount === 1 && streams.length === 1 && catchUps.length === 7, 10_000);
      // Before any event: the tab that holds the stream relays that it is open, so every tab says Live.
      for (const tab of tabs)
        await tab.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'open', undefined, {
          polling: 50,
        });
      await publishHeadlines(5);
      const headlinesShown = (tab: Page, n: number) =>
        tab.waitForFunction((count) => document.querySelectorAll('#news-list li').length === count, n, {
          polling: 50,
        });
      for (const tab of tabs) await headlinesShown(tab, 5);
      assert.equal(streams.length, 1, 'one lasting event-stream connection for 8 tabs');
      assert.equal(running.hub.subscriberCount, 1, 'the catch-ups ended with their state');

      const leader = streams[0]!;
      await leader.close();
      // Published while no tab holds the connection: only resuming by id brings them to the others.
      await publishHeadlines(5);
      await waitUntil(() => running.hub.subscriberCount === 1 && streams.length === 2, 10_000);
      await publishHeadlines(5);
      const rest = tabs.filter((tab) => tab !== leader);
      for (const tab of rest) {
        await headlinesShown(tab, 15);
        // Newest first on the page: each id once, in publish order, in every remaining tab.
        assert.deepEqual((await shown(tab)).reverse(), ids);
        assert.equal(await tab.evaluate(() => document.body.dataset.duplicates), '0');
      }
      t.diagnostic(
        `${streams.length} lasting event-stream requests (and ${catchUps.length} state catch-ups) for 8 tabs across one takeover; 7 tabs × 15 headlines`,
      );
    } finally {
      await context.close();
      await running.close();
    }
  });

  test('after a hub restart the page catches up from Last-Event-ID, with no duplicate', async (t) => {
    // The CLI's default log, closed and reopened from its file as across a real restart of the process.
    const dir = mkdtempSync(join(tmpdir(), 'hotline-restart-'));
    const file = join(dir, 'hub.sqlite');
    let log = createSqliteLog(file);
    const headline = (text: string) => ({
      topics: '/news',
      type: 'headline',
      data: JSON.stringify({ headline: text }),
    });
    let running = await startWebHub({ log });
    const page = await browser.newPage();
    try {
      await openDemo(page, running.origin, false);
      const ids: string[] = [];
      for (const text of ['before 1', 'before 2', 'before 3']) ids.push((await running.hub.publish(headline(text))).id);
      await page.waitForFunction(() => document.querySelectorAll('#news-list li').length === 3);
      const port = running.port;
      await running.close();
      await log.close();
      await page.waitForSelector('#connection[data-state=reconnecting]');
      log = createSqliteLog(file);
      // The same log and port, as after a restart; these are stored while no page can be connected.
      running = await startWebHub({
        log,
        port,
        beforeListen: async (hub) => {
          for (const text of ['during 1', 'during 2']) ids.push((await hub.publish(headline(text))).id);
        },
      });
      const restartedAt = performance.now();
      await page.waitForSelector('#connection[data-state=open]', { timeout: 20_000 });
      t.diagnostic(
        `all four panels back ${Math.round(performance.now() - restartedAt)} ms after the hub listened again`,
      );
      ids.push((await running.hub.publish(headline('after 1'))).id);
      await page.waitForFunction(() => document.querySelectorAll('#news-list li').length >= 6, undefined, {
        timeout: 20_000,
      });
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('#news-list li')].map((li) => li.dataset.id),
      );
      // Newest first on the page; each id exactly once, in publish order.
      assert.deepEqual(shown.reverse(), ids);
      assert.equal(await page.evaluate(() => document.body.dataset.duplicates), '0');
    } finally {
      await page.close();
      await running.close();
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
