/**
 * `connect(url, options)` — the richer client: headers re-evaluated on every (re)connect (a refreshed
 * token), POST bodies, an AbortSignal, backoff with jitter, an `onOpen` hook, typed errors, and async
 * iteration: `for await (const event of connect(url)) …`, where leaving the loop closes the connection.
 * Opt-in: typed events (`schemas`), one connection shared by the tabs of an origin (`share`), and no
 * connection while the page is hidden (`whenHidden: 'pause'`).
 * @module
 */

import { HotlineTypeError } from '../errors.js';
import type { EventSchemas } from '../protocol/index.js';
import type { ConnectOptions, EventStreamConnection, TypedConnectOptions } from './connect-options.js';
import { Delivery, type SchemaEvent } from './delivery.js';
import { SharedConnection } from './share.js';
import { loopOptions, StreamLoop, startingId } from './stream-loop.js';

export function connect<S extends EventSchemas>(
  url: string | URL,
  options: TypedConnectOptions<S>,
): EventStreamConnection<SchemaEvent<S>>;
export function connect(url: string | URL, options?: ConnectOptions): EventStreamConnection;
export function connect(
  url: string | URL,
  given: ConnectOptions<never> & { schemas?: EventSchemas } = {},
): EventStreamConnection<unknown> {
  // Each overload types `onEvent` by its events; past this point events are only passed along.
  const options = given as ConnectOptions<unknown> & { schemas?: EventSchemas };
  if (options.share === undefined) return new DirectConnection(String(url), options);
  if (options.whenHidden === 'pause')
    throw new HotlineTypeError(
      'HOTLINE_CLIENT_INVALID_OPTIONS',
      'whenHidden',
      "whenHidden: 'pause' cannot be combined with share: the leader tab would stop every tab's stream",
    );
  if (typeof options.share.name !== 'string' || options.share.name === '')
    throw new HotlineTypeError('HOTLINE_CLIENT_INVALID_OPTIONS', 'share', 'share.name must be a non-empty string');
  if (!SharedConnection.supported()) return new DirectConnection(String(url), options);
  return new SharedConnection(String(url), { ...options, share: options.share });
}

/** One tab (or process), one connection. */
class DirectConnection implements EventStreamConnection<unknown> {
  readonly done: Promise<void>;
  readonly #abort = new AbortController();
  readonly #delivery: Delivery<unknown>;
  #loop: StreamLoop | undefined;
  #startId: string;

  constructor(url: string, options: ConnectOptions<unknown> & { schemas?: EventSchemas }) {
    this.#delivery = new Delivery(options, () => this.close());
    this.#startId = options.lastEventId ?? '';
    if (options.signal?.aborted) this.#abort.abort();
    else options.signal?.addEventListener('abort', () => this.close(), { once: true });
    const run = async () => {
      const start = startingId(options);
      this.#startId = typeof start === 'string' ? start : await start;
      this.#loop = new StreamLoop(url, loopOptions(options), {
        lastEventId: this.#startId,
        abort: this.#abort,
        emit: (event, previousId) => this.#delivery.accept(event, previousId),
        commitId: (id, previousId) => this.#delivery.commitId(id, previousId),
        pauseGraceMs: options.whenHidden === 'pause' ? (options.hiddenGraceMs ?? 0) : undefined,
      });
      await this.#loop.run();
    };
    this.done = run().then(
      () => this.#delivery.end(),
      (error: unknown) => {
        this.#delivery.end(error);
        throw error;
      },
    );
    // Iterating surfaces the failure; an unobserved `done` must not crash the process as well.
    this.done.catch(() => {});
  }

  get lastEventId(): string {
    return this.#loop?.lastEventId ?? this.#startId;
  }

  close(): void {
    this.#abort.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this.#delivery.iterate();
  }
}
