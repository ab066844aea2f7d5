import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import {
  countStreamRequests,
  feedIds,
  feedPublisher,
  openHarness,
  received,
  startClientHub,
  startFeed,
  untilReceived,
} from '../fixtures/client-page.js';
import { waitUntil } from '../fixtures/sse-test-server.js';

const skip = browserSkipReason();

describe('connect() in Chromium: cursor persistence', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  test('a reloaded page resumes from the id in localStorage: what was published meanwhile arrives, 0 lost, 0 duplicated; an unknown id surfaces the hub reset as a ResetEvent', async () => {
    const running = await startClientHub();
    const context = await browser.newContext();
    const streams = countStreamRequests(context);
    const feed = feedPublisher(running);
    const url = feed.url;
    try {
      const page = await context.newPage();
      await openHarness(page, running.origin);
      await startFeed(page, url, { cursorKey: 'feed' });
      await waitUntil(() => running.hub.subscriberCount === 1);
      await feed.publish(5);
      await untilReceived(page, 5);
      const first = await received(page);
      assert.equal(await page.evaluate(() => localStorage.getItem('feed')), 'e5');

      await page.reload();
      await waitUntil(() => running.hub.subscriberCount === 0);
      // Published while no page is connected: only the stored cursor can bring these back.
      await feed.publish(5);
      await page.waitForFunction(() => 'harness' in globalThis);
      await startFeed(page, url, { cursorKey: 'feed' });
      await untilReceived(page, 5);
      await feed.publish(5);
      await untilReceived(page, 10);
      const second = await received(page);
      assert.deepEqual(
        [...first, ...second].map((event) => event.id),
        feedIds(1, 15),
        '0 lost, 0 duplicated, in order',
      );
      assert.deepEqual(
        second.map((event) => event.data),
        feedIds(6, 15),
      );
      assert.equal(streams.requests, 2, 'one connection per page load, no reconnection');

      // The hub no longer knows the stored id: it says so with a `reset` before going live.
      await page.evaluate(() => localStorage.setItem('feed', 'forgotten-by-the-hub'));
      await page.reload();
      await page.waitForFunction(() => 'harness' in globalThis);
      await startFeed(page, url, { cursorKey: 'feed' });
      await untilReceived(page, 1);
      await waitUntil(() => running.hub.subscriberCount === 1);
      await feed.publish(1);
      await untilReceived(page, 2);
      const third = await received(page);
      assert.deepEqual(third[0], {
        type: 'reset',
        data: third[0]?.data,
        id: 'forgotten-by-the-hub',
        reason: 'unknown-last-event-id',
        requestedId: 'forgotten-by-the-hub',
      });
      assert.equal(third[1]?.id, 'e16');
      const resets = await page.evaluate(
        () => (globalThis as unknown as { harness: { resets: unknown[] } }).harness.resets.length,
      );
      assert.equal(resets, 1, 'onReset was called once');
    } finally {
      await context.close();
      await running.close();
    }
  });
});
