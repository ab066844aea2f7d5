/**
 * A small testharness.js stand-in for the WPT `eventsource/` port: each ported file runs once against
 * Hotline's `EventSource` and once against the `eventsource` npm package (the control), in a page of its
 * own (./page.ts) served by ./server.ts.
 *
 * testharness.js → here: `async_test(fn, name)` → `wpt.asyncTest(name, fn)`; `t.step`, `t.step_func`,
 * `t.step_func_done`, `t.unreached_func`, `t.step_timeout`, `t.add_cleanup`, `t.done` → the camelCase
 * methods of {@link AsyncTest}; `test(fn, name)` → `wpt.test(name, fn)`; `assert_*` → node:assert. As in
 * testharness.js, the first failed step fails the test, and steps after `done()` or a failure do not run.
 * Every EventSource a test made is closed when it ends, whatever the outcome.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { EventSource as ThirdPartyEventSource } from 'eventsource';
import { EventSource as HotlineEventSource } from '../../../src/client/index.js';
import { createPage, type PageFetch, type WptPage } from './page.js';
import { startWptServer, type WptServer } from './server.js';

/** Captured before any test can mock the clock (format-field-retry does), so the harness keeps real time. */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** What the ports use of an EventSource; both implementations have it. */
export interface EventSourceLike extends EventTarget {
  readonly url: string;
  readonly readyState: number;
  readonly withCredentials: boolean;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSED: number;
  onopen: ((this: EventSourceLike, event: Event) => unknown) | null;
  onmessage: ((this: EventSourceLike, event: MessageEvent) => unknown) | null;
  onerror: ((this: EventSourceLike, event: Event) => unknown) | null;
  close(): void;
}

export interface WptEventSourceInit {
  withCredentials?: boolean;
  fetch?: PageFetch;
}

/** The constructor as WPT calls it: the URL is stringified, so any value goes (stringify tests pass 1, null…). */
export interface EventSourceClass {
  new (url: unknown, init?: WptEventSourceInit): EventSourceLike;
  readonly prototype: EventSourceLike;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSED: number;
  /** Proposed for HTML; only Hotline's has it (see from-readable-stream.test.ts). */
  fromReadableStream?(stream: ReadableStream<Uint8Array>): EventSourceLike;
}

export type ImplementationId = 'hotline' | 'eventsource';

interface Implementation {
  readonly id: ImplementationId;
  readonly title: string;
  readonly EventSource: EventSourceClass;
}

const IMPLEMENTATIONS: readonly Implementation[] = [
  { id: 'hotline', title: "Hotline's EventSource", EventSource: HotlineEventSource as unknown as EventSourceClass },
  {
    id: 'eventsource',
    title: 'eventsource npm package (control)',
    EventSource: ThirdPartyEventSource as unknown as EventSourceClass,
  },
];

/** Per-test options: a known failure of one implementation is skipped for it, with the reason. */
export interface CaseOptions {
  readonly skip?: Partial<Record<ImplementationId, string>>;
  /** As upstream's default: 10 s. */
  readonly timeoutMs?: number;
}

export class AsyncTest {
  #phase: 'running' | 'passed' | 'failed' = 'running';
  #settle!: { resolve(): void; reject(error: unknown): void };
  readonly #cleanups: (() => void)[] = [];
  readonly finished = new Promise<void>((resolve, reject) => {
    this.#settle = { resolve, reject };
  });

  /** Runs `fn`; a throw fails the test. Does nothing once the test is over. */
  step<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R | undefined {
    if (this.#phase !== 'running') return undefined;
    try {
      return fn(...args);
    } catch (error) {
      this.#finish('failed', error);
      return undefined;
    }
  }

  stepFunc<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => void {
    return (...args) => {
      this.step(fn, ...args);
    };
  }

  stepFuncDone<A extends unknown[]>(fn?: (...args: A) => unknown): (...args: A) => void {
    return (...args) => {
      if (fn !== undefined) this.step(fn, ...args);
      this.done();
    };
  }

  unreachedFunc(description: string): () => void {
    return () => {
      this.step(() => assert.fail(description));
    };
  }

  stepTimeout(fn: () => unknown, ms: number): void {
    const timer = realSetTimeout(() => this.step(fn), ms);
    this.addCleanup(() => realClearTimeout(timer));
  }

  addCleanup(fn: () => void): void {
    this.#cleanups.push(fn);
  }

  done(): void {
    this.#finish('passed');
  }

  /** Called by the runner once the test is over. */
  cleanUp(): void {
    for (const fn of this.#cleanups.splice(0)) fn();
  }

  #finish(phase: 'passed' | 'failed', error?: unknown): void {
    if (this.#phase !== 'running') return;
    this.#phase = phase;
    if (phase === 'passed') this.#settle.resolve();
    else this.#settle.reject(error);
  }
}

export interface Wpt {
  /** The implementation under test: Hotline's class or the package's, tracked so tests clean up. */
  readonly EventSource: EventSourceClass;
  /** The same, untracked: for tests of the class itself (its prototype). */
  readonly Original: EventSourceClass;
  readonly implementation: ImplementationId;
  /** The other origin the server answers on (WPT's `www2.` host). */
  readonly crossOrigin: string;
  /** The page: its URL and what its fetch sent. */
  readonly page: WptPage;
  asyncTest(name: string, body: (t: AsyncTest) => void, options?: CaseOptions): void;
  test(name: string, body: () => void, options?: CaseOptions): void;
}

/** The page WPT serves a test file as: `x.any.js` → `x.any.html`, `x.htm` → itself. */
function pageOf(upstream: string): string {
  return upstream.endsWith('.js') ? `${upstream.slice(0, -'.js'.length)}.html` : upstream;
}

/**
 * Declares the port of one upstream file (a path under WPT's `eventsource/`): `define` runs once per
 * implementation, inside a suite with a fresh server and the file's page as the document. `fileOptions`
 * apply to each of its tests that has no options of its own.
 */
export function wptFile(upstream: string, define: (wpt: Wpt) => void, fileOptions: CaseOptions = {}): void {
  const page = pageOf(upstream);
  for (const implementation of IMPLEMENTATIONS) {
    describe(`WPT eventsource/${upstream} — ${implementation.title}`, () => {
      const open = new Set<EventSourceLike>();
      let server: WptServer | undefined;
      let wptPage: WptPage | undefined;
      let installed: { restore(): void } | undefined;
      const Base = implementation.EventSource;
      // The page's fetch is passed as the implementations' `fetch` option; each created source is tracked.
      const Tracked = class extends (Base as new (url: unknown, init?: WptEventSourceInit) => EventSourceLike) {
        constructor(url: unknown, init: WptEventSourceInit = {}) {
          super(url, { fetch: wptPage?.fetch, ...init });
          open.add(this);
        }

        static fromReadableStream(stream: ReadableStream<Uint8Array>): EventSourceLike {
          if (Base.fromReadableStream === undefined) throw new TypeError('EventSource.fromReadableStream is missing');
          const source = Base.fromReadableStream(stream);
          open.add(source);
          return source;
        }
      } as unknown as EventSourceClass;

      before(async () => {
        server = await startWptServer();
        wptPage = createPage(`${server.origin}/eventsource/${page}`);
        installed = wptPage.install();
      });
      afterEach(() => {
        for (const source of open) source.close();
        open.clear();
        wptPage?.clearCookies();
      });
      after(async () => {
        installed?.restore();
        await server?.close();
      });

      const need = <T>(value: T | undefined): T => {
        if (value === undefined) throw new Error('the WPT page is not set up yet');
        return value;
      };
      const skipFor = (options?: CaseOptions) => {
        const reason = (options ?? fileOptions).skip?.[implementation.id];
        // WPT_RUN_KNOWN_FAILURES=1 runs them anyway: to check they still fail (or have been fixed upstream).
        if (reason === undefined || process.env.WPT_RUN_KNOWN_FAILURES === '1') return false;
        return `known failure of ${implementation.id}: ${reason}`;
      };

      define({
        EventSource: Tracked,
        Original: Base,
        implementation: implementation.id,
        get crossOrigin() {
          return need(server).crossOrigin;
        },
        get page() {
          return need(wptPage);
        },
        asyncTest(name, body, options) {
          test(name, { skip: skipFor(options) }, async () => {
            const t = new AsyncTest();
            const timeoutMs = options?.timeoutMs ?? 10_000;
            const timer = realSetTimeout(
              () => t.step(() => assert.fail(`TIMEOUT: not done within ${timeoutMs} ms`)),
              timeoutMs,
            );
            try {
              t.step(body, t);
              await t.finished;
            } finally {
              realClearTimeout(timer);
              t.cleanUp();
            }
          });
        },
        test(name, body, options) {
          test(name, { skip: skipFor(options) }, body);
        },
      });
    });
  }
}
