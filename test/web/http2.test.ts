import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import type { LoopbackAdmin } from '../../src/hub/dashboard/index.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { SECRET, token } from '../fixtures/hub.js';
import { waitUntil } from '../fixtures/sse-test-server.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';
import { startWebHub } from './web-hub.js';

const skip = browserSkipReason();
const run = promisify(execFile);
const STREAMS = 20;

/** TCP connections established to the hub's port, counted on the hub's side by the kernel (`ss`). */
async function establishedTo(port: number): Promise<number> {
  const { stdout } = await run('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return stdout.split('\n').filter((line) => line.trim() !== '').length;
}

describe('Chromium over HTTP/2', { skip }, () => {
  let cert: TestCertificate;
  let hub: Hub;
  let port: number;
  let browser: Browser;
  before(async () => {
    cert = selfSignedCertificate();
    hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, heartbeatMs: 0 });
    ({ port } = await hub.listen(0, '127.0.0.1', { tls: cert }));
    // The hub's certificate is self-signed: this browser alone is told to accept it.
    browser = await launchChromium(['--ignore-certificate-errors']);
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    cert?.remove();
  });

  test(`${STREAMS} EventSources of one page all receive, over one TCP connection`, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`https://localhost:${port}/healthz`);
      // A string, not a function: tsx would wrap a function's inner functions in a helper the page lacks.
      await page.evaluate(`
        window.received = [];
        window.sources = [];
        for (let i = 0; i < ${STREAMS}; i++) {
          const source = new EventSource('/.well-known/mercure?topic=' + encodeURIComponent('/h2/' + i));
          source.onmessage = (event) => window.received.push(i + ':' + event.data);
          window.sources.push(source);
        }
      `);
      await waitUntil(() => hub.subscriberCount === STREAMS, 10_000);
      for (let i = 0; i < STREAMS; i++) await hub.publish({ topics: [`/h2/${i}`], data: `update ${i}` });
      await page.waitForFunction(`window.received.length === ${STREAMS}`, undefined, { timeout: 10_000 });
      const received = (await page.evaluate('window.received')) as string[];
      assert.deepEqual([...received].sort(), Array.from({ length: STREAMS }, (_, i) => `${i}:update ${i}`).sort());
      // Resource timing lists a stream only once it ends; the page's own load tells the protocol.
      assert.equal(await page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol"), 'h2');
      assert.equal(await establishedTo(port), 1, 'the page, its 20 streams and nothing else share one connection');
      await page.evaluate('window.sources.forEach((source) => source.close())');
    } finally {
      await page.close();
    }
  });

  test('the dashboard opened over HTTP/2 on this machine signs itself in and goes live', async () => {
    const loopbackAdmin: LoopbackAdmin = {
      sign: (ttlSeconds) => token({ publish: ['*'], subscribe: ['*'], ttlSeconds }),
    };
    const web = await startWebHub({ tls: cert, dashboard: { loopbackAdmin } });
    const page = await browser.newPage();
    try {
      await page.goto(`${web.origin}/`);
      assert.equal(await page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol"), 'h2');
      await page.waitForSelector('#connection[data-state=open]');
      assert.equal(await page.locator('#signed-in').isVisible(), true);
    } finally {
      await page.close();
      await web.close();
    }
  });
});
