/**
 * The worker half of the WPT `dedicated-worker/` and `shared-worker/` ports (see worker.test.ts): runs in
 * a node:worker_threads Worker — a realm of its own, with its own EventTarget, Event and MessageEvent — and
 * reports to the test as the upstream workers do with `postMessage([ok, …])`. Ported from
 * web-platform-tests/wpt `eventsource/dedicated-worker/*.htm` and `eventsource/shared-worker/*.htm`
 * (© web-platform-tests contributors, BSD-3-Clause). See ./README.md.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventSource as ThirdPartyEventSource } from 'eventsource';
import { EventSource as HotlineEventSource } from '../../../src/client/index.js';

export type WorkerScenario = 'onopen' | 'onmessage' | 'network-error' | 'close' | 'eventtarget';

export interface WorkerJob {
  readonly implementation: 'hotline' | 'eventsource';
  readonly scenario: WorkerScenario;
  readonly url: string;
}

interface Source extends EventTarget {
  readonly readyState: number;
  onopen: ((event: Event) => unknown) | null;
  onmessage: ((event: MessageEvent) => unknown) | null;
  onerror: ((event: Event) => unknown) | null;
  close(): void;
}

const job = workerData as WorkerJob;
const post = (message: unknown[]) => parentPort?.postMessage(message);
const EventSource = (job.implementation === 'hotline' ? HotlineEventSource : ThirdPartyEventSource) as unknown as new (
  url: string,
) => Source;

try {
  const source = new EventSource(job.url);
  switch (job.scenario) {
    case 'onopen':
      source.onopen = (e) => {
        post([true, source.readyState, 'data' in e, e.bubbles, e.cancelable]);
        source.close();
      };
      break;
    case 'onmessage':
      source.onmessage = (e) => {
        post([true, e.data]);
        source.close();
      };
      break;
    case 'network-error':
      source.onerror = (e) => {
        post([true, source.readyState, 'data' in e]);
        source.close();
      };
      break;
    case 'close':
      source.onopen = () => {
        source.close();
        post([true, source.readyState]);
      };
      break;
    case 'eventtarget':
      source.addEventListener('message', (e) => {
        post([true, (e as MessageEvent).data]);
        source.close();
      });
      break;
  }
} catch (e) {
  post([false, String(e)]);
}
