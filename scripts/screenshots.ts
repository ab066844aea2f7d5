/**
 * Takes the screenshots in docs/ — the dashboard and the demo, desktop (1280 px) and mobile (390 × 844) —
 * from a real hub as `hotline serve --dev` wires it (dashboard signed in from loopback, demo publisher,
 * demo sign-in), in Debian's Chromium through playwright-core. Not a test: run it after a change to the
 * pages, then look at the pictures.
 *
 *     npm run build && node --import tsx scripts/screenshots.ts     # or: npm run screenshots
 *
 * It needs the built pages (`web/dist/`) and /usr/bin/chromium; it stops its hub and browser however it ends.
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { mintToken } from '../src/cli/token.js';
import { createDashboard, DEFAULT_ASSETS_DIR, startDemoPublisher } from '../src/hub/dashboard/index.js';
import { createHub, type Hub } from '../src/hub/hub.js';
import { createMemoryLog } from '../src/hub/log/memory.js';
import { launchChromium } from '../test/fixtures/browser.js';

const SECRET = 'screenshots-secret-of-at-least-32-bytes!';
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };
const MOBILE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
/** How long the dashboard charts before it is taken: a third of its two-minute window. */
const CHART_MS = 40_000;

async function startHub(): Promise<{ hub: Hub; origin: string; stopDemo: () => void }> {
  const hub = await createHub({
    log: createMemoryLog({ maxEvents: 10_000 }),
    publisherKey: { secret: SECRET },
    allowAnonymous: true,
    extension: (host) =>
      createDashboard(host, {
        assetsDir: DEFAULT_ASSETS_DIR,
        demoUser: { name: 'alice', sign: (claims) => mintToken({ secret: SECRET, ...claims }) },
        loopbackAdmin: {
          sign: (ttlSeconds) => mintToken({ secret: SECRET, publish: ['*'], subscribe: ['*'], ttlSeconds }),
        },
      }),
  });
  // Twice the default pace, so the pictures show a few headlines and notifications without a long wait.
  const demo = startDemoPublisher(hub, { tickMs: 500 });
  const address = await hub.listen(0, '127.0.0.1');
  return { hub, origin: `http://127.0.0.1:${address.port}`, stopDemo: () => demo.stop() };
}

async function openDemo(browser: Browser, origin: string, options: BrowserContextOptions): Promise<Page> {
  const page = await (await browser.newContext(options)).newPage();
  await page.goto(`${origin}/demo`);
  await page.click('#sign-in');
  await page.waitForFunction(() => document.getElementById('sign-in')?.textContent === 'Sign out alice');
  await page.waitForSelector('#connection[data-state=open]');
  return page;
}

async function openDashboard(browser: Browser, origin: string, options: BrowserContextOptions): Promise<Page> {
  const page = await (await browser.newContext(options)).newPage();
  await page.goto(`${origin}/`);
  await page.waitForSelector('#connection[data-state=open]');
  return page;
}

async function main(): Promise<void> {
  const { hub, origin, stopDemo } = await startHub();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    // The demo pages are the dashboard's subscribers; the dashboard charts from the start.
    const demoDesktop = await openDemo(browser, origin, DESKTOP);
    const demoMobile = await openDemo(browser, origin, MOBILE);
    const dashboardDesktop = await openDashboard(browser, origin, DESKTOP);
    const dashboardMobile = await openDashboard(browser, origin, MOBILE);
    console.log(`charting for ${CHART_MS / 1000} s…`);
    await new Promise((resolve) => setTimeout(resolve, CHART_MS));
    for (const page of [demoDesktop, demoMobile]) {
      await page.waitForFunction(() => document.querySelectorAll('#news-list li').length >= 5);
      await page.waitForSelector('#toasts .toast');
    }
    const shots: [Page, string, boolean][] = [
      [dashboardDesktop, 'docs/dashboard.png', true],
      [dashboardMobile, 'docs/dashboard-mobile.png', true],
      [demoDesktop, 'docs/demo.png', false],
      [demoMobile, 'docs/demo-mobile.png', true],
    ];
    for (const [page, path, fullPage] of shots) {
      // Toasts sit at the bottom of the viewport, which a full-page picture puts mid-page, over a panel.
      if (fullPage) await page.evaluate(() => document.getElementById('toasts')?.replaceChildren());
      await page.screenshot({ path, fullPage });
      console.log(`wrote ${path}`);
    }
  } finally {
    await browser?.close();
    stopDemo();
    await hub.close();
  }
}

await main();
