import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import {
  feedIds,
  feedPublisher,
  openHarness,
  received,
  startClientHub,
  startFeed,
  untilReceived,
} from '../fixtures/client-page.js';
import type { RunningHub } from '../fixtures/hub.js';
import { waitUntil } from '../fixtures/sse-test-server.js';

const skip = browserSkipReason();

/** The pages that opened an event stream, in order: each one led at that moment. */
function watchLeaders(context: BrowserContext): Page[] {
  const leaders: Page[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === '/.well-known/mercure') leaders.push(request.frame().page());
  });
  return leaders;
}

/**
 * `tabs` pages of one context share one connection; `first` updates reach every tab; the leader tab closes
 * while `during` more are published; the next leader resumes, then `last` more are published. Returns the
 * stream requests made and what each remaining tab received.
 */
async function closeTheLeader(
  browser: Browser,
  running: RunningHub,
  options: { tabs: number; first: number; during: number; last: number; noLocks?: boolean },
) {
  const context = await browser.newContext();
  // A string, not a function: tsx would wrap a function's inner functions in a helper the page lacks.
  if (options.noLocks === true)
    await context.addInitScript(
      "Object.defineProperty(Navigator.prototype, 'locks', { get() { return undefined; } });",
    );
  const leaders = watchLeaders(context);
  const feed = feedPublisher(running);
  try {
    const pages: Page[] = [];
    for (let i = 0; i < options.tabs; i++) {
      const page = await context.newPage();
      await openHarness(page, running.origin);
      await startFeed(page, feed.url, { share: 'feed' });
      pages.push(page);
    }
    await waitUntil(() => running.hub.subscriberCount === 1 && leaders.length === 1, 10_000);
    await feed.publish(options.first);
    for (const page of pages) await untilReceived(page, feed.published);
    const before = { requests: leaders.length, subscribers: running.hub.subscriberCount };
    for (const page of pages)
      assert.deepEqual(
        (await received(page)).map((e) => e.id),
        feedIds(1, feed.published),
      );

    const leader = leaders[0]!;
    await leader.close();
    // Published while the leader is gone and before the next one connects: only resuming brings them back.
    await feed.publish(options.during);
    await waitUntil(() => running.hub.subscriberCount === 1 && leaders.length === 2, 10_000);
    await feed.publish(options.last);
    const rest = pages.filter((page) => page !== leader);
    for (const page of rest) await untilReceived(page, feed.published);
    const after = { requests: leaders.length, subscribers: running.hub.subscriberCount };
    const results = await Promise.all(rest.map((page) => received(page)));
    const locks = await rest[0]!.evaluate(() => navigator.locks !== undefined);
    return { before, after, published: feed.published, results, locks, newLeaderIsATab: rest.includes(leaders[1]!) };
  } finally {
    await context.close();
  }
}

describe('connect({ share }) in Chromium: one connection for all tabs', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  test('8 tabs hold exactly one event stream and all get every update; when the leader tab closes, the next one resumes by id: 0 lost, 0 duplicated', async () => {
    const running = await startClientHub();
    try {
      const run = await closeTheLeader(browser, running, { tabs: 8, first: 20, during: 10, last: 20 });
      assert.deepEqual(run.before, { requests: 1, subscribers: 1 }, 'one connection for 8 tabs');
      assert.deepEqual(run.after, { requests: 2, subscribers: 1 }, 'one takeover, one connection again');
      assert.ok(run.locks, 'elected with Web Locks');
      assert.ok(run.newLeaderIsATab);
      assert.equal(run.results.length, 7);
      for (const events of run.results)
        assert.deepEqual(
          events.map((e) => e.id),
          feedIds(1, run.published),
          'every tab: 0 lost, 0 duplicated, in order',
        );
    } finally {
      await running.close();
    }
  });

  test('[NON-SPEC] without Web Locks, a lease over BroadcastChannel elects the leader: one stream, and a takeover that loses nothing', async () => {
    const running = await startClientHub();
    try {
      const run = await closeTheLeader(browser, running, { tabs: 3, first: 10, during: 5, last: 10, noLocks: true });
      assert.equal(run.locks, false, 'the page has no navigator.locks');
      assert.deepEqual(run.before, { requests: 1, subscribers: 1 });
      assert.deepEqual(run.after, { requests: 2, subscribers: 1 });
      for (const events of run.results)
        assert.deepEqual(
          events.map((e) => e.id),
          feedIds(1, run.published),
        );
    } finally {
      await running.close();
    }
  });
});
