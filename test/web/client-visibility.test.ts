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
  setVisibility,
  startClientHub,
  startFeed,
  untilReceived,
} from '../fixtures/client-page.js';
import { waitUntil } from '../fixtures/sse-test-server.js';

const skip = browserSkipReason();

describe('connect({ whenHidden }) in Chromium', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  const cases = [
    {
      name: "whenHidden: 'pause': no connection while hidden; visible again resumes by id",
      pauses: true,
      feed: { whenHidden: 'pause' },
    },
    { name: 'the default keeps the stream open while hidden', pauses: false, feed: {} },
    {
      name: "whenHidden: 'pause' with hiddenGraceMs: a short hide keeps the stream",
      pauses: false,
      feed: { whenHidden: 'pause', hiddenGraceMs: 60_000 },
    },
  ] as const;
  for (const { name, pauses, feed } of cases) {
    test(`${name}: 0 lost, 0 duplicated`, async () => {
      const running = await startClientHub();
      const context = await browser.newContext();
      const streams = countStreamRequests(context);
      const publisher = feedPublisher(running);
      try {
        const page = await context.newPage();
        await openHarness(page, running.origin);
        await startFeed(page, publisher.url, feed);
        await waitUntil(() => running.hub.subscriberCount === 1);
        await publisher.publish(5);
        await untilReceived(page, 5);

        await setVisibility(page, 'hidden');
        if (pauses) await waitUntil(() => running.hub.subscriberCount === 0);
        await publisher.publish(5);
        if (pauses) {
          assert.equal(running.hub.subscriberCount, 0, 'closed while hidden');
          assert.equal((await received(page)).length, 5, 'nothing arrives while hidden');
        } else {
          await untilReceived(page, 10);
          assert.equal(running.hub.subscriberCount, 1, 'still open while hidden');
        }

        await setVisibility(page, 'visible');
        await untilReceived(page, 10);
        await waitUntil(() => running.hub.subscriberCount === 1);
        await publisher.publish(5);
        await untilReceived(page, 15);
        assert.deepEqual(
          (await received(page)).map((event) => event.id),
          feedIds(1, 15),
          '0 lost, 0 duplicated, in order',
        );
        assert.equal(streams.requests, pauses ? 2 : 1, 'connections: the first, and one per resume');
      } finally {
        await context.close();
        await running.close();
      }
    });
  }
});
