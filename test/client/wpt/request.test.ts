/**
 * Port of the web-platform-tests request tests (web-platform-tests/wpt `eventsource/`):
 * request-accept.htm, request-cache-control.any.js, request-credentials.htm, request-redirect.htm,
 * request-status-error.htm. WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). Test names are the upstream ones;
 * ./README.md maps every upstream file to its port.
 */
import assert from 'node:assert/strict';
import { type AsyncTest, wptFile } from './harness.js';

/** Why the `eventsource` package cannot send cookies cross-origin here. */
const NO_CREDENTIALS_MODE =
  'eventsource@4 passes `credentials` to fetch only when `window` exists, so outside a browser ' +
  'withCredentials never reaches fetch (Hotline passes "include" for it everywhere)';

wptFile('request-accept.htm', ({ EventSource, asyncTest }) => {
  asyncTest('EventSource: Accept header', (t) => {
    const source = new EventSource('resources/accept.php');
    source.onmessage = (e: MessageEvent) => {
      t.step(() => {
        assert.equal(e.data, 'text/event-stream');
        source.close();
      });
      t.done();
    };
  });
});

wptFile('request-cache-control.any.js', (wpt) => {
  // Upstream nests a second run inside the first's handler, "to check whether it stays consistent"; here
  // the two runs are one test, one after the other.
  const cacheTest = (t: AsyncTest, url: string, runAgain: boolean) => {
    const source = new wpt.EventSource(url);
    source.onmessage = (e: MessageEvent) => {
      t.step(() => {
        assert.equal(e.data, 'no-cache');
        source.close();
      });
      if (runAgain) cacheTest(t, url, false);
      else t.done();
    };
  };
  wpt.asyncTest('EventSource: Cache-Control', (t) =>
    cacheTest(t, 'resources/cache-control.event_stream?pipe=sub', true),
  );
  wpt.asyncTest('EventSource: Cache-Control (cross-origin)', (t) =>
    cacheTest(t, `${wpt.crossOrigin}/eventsource/resources/cors.py?run=cache-control`, true),
  );
});

wptFile('request-credentials.htm', (wpt) => {
  const testCookie = (desc: string, success: boolean, props: { withCredentials?: boolean }, id: string) => {
    wpt.asyncTest(
      `EventSource: credentials: credentials ${desc}`,
      (t) => {
        const source = new wpt.EventSource(
          `${wpt.crossOrigin}/eventsource/resources/cors-cookie.py?ident=${id}_${Date.now()}`,
          props,
        );
        source.onmessage = t.stepFunc((e: MessageEvent) => {
          if (e.data.indexOf('first') === 0) {
            assert.equal(e.data, 'first NO_COOKIE', 'cookie status');
          } else if (e.data.indexOf('second') === 0) {
            assert.equal(e.data, success ? 'second COOKIE' : 'second NO_COOKIE', 'cookie status');
            source.close();
            t.done();
          } else {
            source.close();
            assert.fail(`unrecognized data returned: ${e.data}`);
          }
        });
      },
      success ? { skip: { eventsource: NO_CREDENTIALS_MODE } } : {},
    );
  };
  testCookie('enabled', true, { withCredentials: true }, '1');
  testCookie('disabled', false, { withCredentials: false }, '2');
  testCookie('default', false, {}, '3');
});

wptFile('request-redirect.htm', ({ EventSource, asyncTest }) => {
  for (const status of ['301', '302', '303', '307']) {
    asyncTest(`EventSource: redirect (${status})`, (t) => {
      const source = new EventSource(
        `/common/handlers/redirect.py?location=/eventsource/resources/message.py&status=${status}`,
      );
      source.onopen = () => {
        t.step(() => {
          assert.equal(source.readyState, source.OPEN);
          source.close();
        });
        t.done();
      };
      source.onerror = () => {
        t.step(() => assert.fail('unreached'));
        t.done();
      };
    });
  }
});

wptFile('request-status-error.htm', ({ EventSource, asyncTest }) => {
  for (const status of ['204', '205', '210', '299', '404', '410', '503']) {
    asyncTest(`EventSource: incorrect HTTP status code (${status})`, (t) => {
      const source = new EventSource(`resources/status-error.py?status=${status}`);
      source.onmessage = () => {
        t.step(() => assert.fail('unreached'));
        t.done();
      };
      source.onerror = () => {
        t.step(() => assert.equal(source.readyState, source.CLOSED));
        t.done();
      };
    });
  }
});
