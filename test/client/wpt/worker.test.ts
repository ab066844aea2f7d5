/**
 * Port of web-platform-tests/wpt `eventsource/dedicated-worker/` (eventsource-onopen.htm,
 * eventsource-onmesage.htm, eventsource-constructor-non-same-origin.htm) and `eventsource/shared-worker/`
 * (eventsource-onopen.htm, eventsource-close.htm, eventsource-eventtarget.htm,
 * eventsource-constructor-non-same-origin.htm). WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). See ./README.md.
 *
 * [adapted] A browser Worker/SharedWorker becomes a node:worker_threads Worker running the same body
 * (./worker-realm.ts): what is checked is that the EventSource works in a realm of its own and reports
 * the same values. A SharedWorker's sharing between pages has no Node analogue and is not checked; its
 * port's `postMessage` is the worker's. The worker has no document, so URLs are absolute.
 */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { type AsyncTest, type Wpt, wptFile } from './harness.js';
import type { WorkerJob, WorkerScenario } from './worker-realm.js';

const CONNECTING_AFTER_REJECTED_FETCH =
  'eventsource@4 reconnects (readyState CONNECTING) after any fetch that rejects, even one of a scheme ' +
  'fetch can never load, where HTML §9.2.3 lets a user agent fail the connection';

let workerScript: Promise<string> | undefined;

/** ./worker-realm.ts and what it imports, as one CommonJS script bundled once per process (esbuild). */
function bundledWorker(): Promise<string> {
  workerScript ??= esbuild
    .build({
      entryPoints: [new URL('./worker-realm.ts', import.meta.url).pathname],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: ['node20'],
      write: false,
    })
    .then((result) => result.outputFiles[0]!.text);
  return workerScript;
}

/** Starts the worker for `scenario` and passes what it posts to `check`, within a step. */
function inWorker(
  t: AsyncTest,
  wpt: Wpt,
  scenario: WorkerScenario,
  url: string,
  check: (data: unknown[]) => void,
): void {
  const job: WorkerJob = { implementation: wpt.implementation, scenario, url };
  void bundledWorker().then(
    t.stepFunc((script: string) => {
      const worker = new Worker(script, { eval: true, workerData: job });
      t.addCleanup(() => void worker.terminate());
      worker.on(
        'error',
        t.stepFunc((error: Error) => assert.fail(error)),
      );
      worker.on('message', (data: unknown[]) => {
        t.step(() => {
          assert.equal(data[0], true, String(data[1]));
          check(data);
        });
        t.done();
      });
    }),
    t.stepFunc((error: unknown) => assert.fail(String(error))),
  );
}

const NON_SAME_ORIGIN_URLS = [
  'ftp://example.not/',
  'about:blank',
  'mailto:whatwg@awesome.example',
  "javascript:alert('FAIL')",
];

for (const kind of ['dedicated worker', 'shared worker'] as const) {
  const dir = kind === 'dedicated worker' ? 'dedicated-worker' : 'shared-worker';

  wptFile(`${dir}/eventsource-onopen.htm`, (wpt) => {
    wpt.asyncTest(`${kind} - EventSource: onopen (announcing the connection)`, (t) => {
      inWorker(t, wpt, 'onopen', new URL('../resources/message.py', wpt.page.url).href, (data) => {
        assert.equal(data[1], wpt.EventSource.OPEN, 'source.readyState');
        assert.equal(data[2], false, "'data' in e");
        assert.equal(data[3], false, 'e.bubbles');
        assert.equal(data[4], false, 'e.cancelable');
      });
    });
  });

  // The .htm revisions also try http://example.not/ and https://example.not/test: DNS failures (20 s
  // timeouts upstream), not ported, as in eventsource.test.ts.
  wptFile(`${dir}/eventsource-constructor-non-same-origin.htm`, (wpt) => {
    for (const url of NON_SAME_ORIGIN_URLS) {
      wpt.asyncTest(
        `${kind} - EventSource: constructor (act as if there is a network error) (${url})`,
        (t) => {
          inWorker(t, wpt, 'network-error', url, (data) => {
            assert.equal(data[1], wpt.EventSource.CLOSED, 'source.readyState');
            assert.equal(data[2], false, "'data' in e");
          });
        },
        { skip: { eventsource: CONNECTING_AFTER_REJECTED_FETCH } },
      );
    }
  });
}

wptFile('dedicated-worker/eventsource-onmesage.htm', (wpt) => {
  wpt.asyncTest('dedicated worker - EventSource: onmessage', (t) => {
    inWorker(t, wpt, 'onmessage', new URL('../resources/message.py', wpt.page.url).href, (data) => {
      assert.equal(data[1], 'data', 'e.data');
    });
  });
});

wptFile('shared-worker/eventsource-close.htm', (wpt) => {
  wpt.asyncTest('shared worker - EventSource: close()', (t) => {
    inWorker(t, wpt, 'close', new URL('../resources/message.py', wpt.page.url).href, (data) => {
      assert.equal(data[1], wpt.EventSource.CLOSED, 'this.readyState');
    });
  });
});

wptFile('shared-worker/eventsource-eventtarget.htm', (wpt) => {
  wpt.asyncTest('shared worker - EventSource: addEventListener()', (t) => {
    inWorker(t, wpt, 'eventtarget', new URL('../resources/message.py', wpt.page.url).href, (data) => {
      assert.equal(data[1], 'data', 'e.data');
    });
  });
});
