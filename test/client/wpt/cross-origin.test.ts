/**
 * Port of the web-platform-tests cross-origin tests (web-platform-tests/wpt `eventsource/`):
 * eventsource-cross-origin.js and eventsource-cross-origin-preflight.window.js, as far as they apply
 * outside a browser. WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). See ./README.md.
 *
 * The page's fetch (./page.ts) sends `Origin` and keeps cookies like a browser's, but it does not enforce
 * CORS: neither EventSource models CORS (a browser's fetch does it for them), so the upstream cases that
 * expect a CORS failure, and the preflight half of the preflight tests, are not ported (./README.md).
 */
import assert from 'node:assert/strict';
import { wptFile } from './harness.js';

wptFile('eventsource-cross-origin.js', (wpt) => {
  const doCORS = (path: string, title: string, eventsourceFailure?: string) => {
    wpt.asyncTest(
      `EventSource: cross-origin ${title}`,
      (t) => {
        const source = new wpt.EventSource(`${wpt.crossOrigin}/eventsource/${path}`, { withCredentials: true });
        source.onmessage = t.stepFuncDone((e: MessageEvent) => {
          assert.equal(e.data, 'data');
          assert.equal(e.origin, wpt.crossOrigin);
          source.close();
        });
      },
      { skip: { eventsource: eventsourceFailure } },
    );
  };
  doCORS('resources/cors.py?run=message', 'basic use');
  doCORS('resources/cors.py?run=redirect&location=/eventsource/resources/cors.py?run=message', 'redirect use');
  doCORS(
    'resources/cors.py?run=status-reconnect&status=200',
    'redirect use recon',
    'eventsource@4 passes `credentials` to fetch only when `window` exists, so its withCredentials ' +
      'reconnection never brings back the cookie status-reconnect.py set, and it reconnects forever',
  );
});

wptFile('eventsource-cross-origin-preflight.window.js', (wpt) => {
  const cases = [
    ['safe `last-event-id` (no preflight)', 'safe', ''],
    // [adapted] Upstream expects the browser's fetch to preflight these two; a Node fetch never does. What
    // is left is the EventSource's part: the id comes back intact in Last-Event-ID.
    ['unsafe `last-event-id` (too long) [Last-Event-ID only, no preflight]', 'long', '&preflight=never'],
    ['unsafe `last-event-id` (unsafe characters) [Last-Event-ID only, no preflight]', 'unsafe', '&preflight=never'],
  ] as const;
  for (const [name, fixture, extra] of cases) {
    wpt.asyncTest(`EventSource: cross-origin preflight - ${name}`, (t) => {
      const token = crypto.randomUUID();
      const source = new wpt.EventSource(
        `${wpt.crossOrigin}/eventsource/resources/cors-unsafe-last-event-id.py?fixture=${fixture}&token=${token}${extra}`,
      );
      t.addCleanup(() => source.close());
      // 1. a `message` with `id` set, then the stream ends; 2. the reconnection answers `success` when
      // Last-Event-ID came back as sent.
      source.addEventListener(
        'message',
        t.stepFunc((e: Event) => assert.equal((e as MessageEvent).data, fixture)),
      );
      source.addEventListener('success', t.stepFuncDone());
      source.addEventListener('failure', (e: Event) => {
        t.step(() => assert.fail(String((e as MessageEvent).data)));
        t.done();
      });
    });
  }
});
