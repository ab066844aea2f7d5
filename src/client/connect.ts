/**
 * `connect(url, options)` — the richer client: headers re-evaluated on every (re)connect (a refreshed
 * token), POST bodies, an AbortSignal, backoff with jitter, an `onOpen` hook, typed errors, and async
 * iteration: `for await (const event of connect(url)) …`, where leaving the loop closes the connection.
 * Opt-in: typed events (`schemas`), one connection shared by the tabs of an origin (`share`), and no
 * connection while the page is hidden (`whenHidden: 'pause'`).
 * @module
 */

import { HotlineTypeError } from '../errors.js';
import type { EventSchemas, ParsedEvent } from '../protocol/index.js';
import type { CursorStore } from './cursor.js';
import { Delivery, type ResetEvent, type SchemaEvent } from './delivery.js';
import { SharedConnection, type ShareOptions } from './share.js';
import { type LoopOptions, loopOptions, StreamLoop, startingId } from './stream-loop.js';

export interface ConnectOptions<E = ParsedEvent> extends LoopOptions {
  /** Aborting it closes the connection for good. */
  signal?: AbortSignal;
  /** Resume after this id on the first connection (later ones use the last id received). */
  lastEventId?: string;
  /**
   * Called for every event (as well as, or instead of, iterating). With `onEvent`, the iterator yields the
   * events from the moment iteration starts (nothing is kept for an iterator nobody starts).
   */
  onEvent?: (event: E) => void;
  /** Where the last event id is kept between runs (see `memoryCursor`, `storageCursor`). */
  cursor?: CursorStore;
  /** Called for a `reset` event: the hub could not resume, so the app should refetch a snapshot. */
  onReset?: (event: ResetEvent) => void;
  /**
   * Opt-in: one connection for every tab of this origin that uses the same `share.name`. One tab (the
   * leader, elected with Web Locks) holds the connection and relays each event to the others; when it
   * closes, the next tab takes over and resumes after the last relayed id. It needs `BroadcastChannel`
   * (browsers, workers, Node — where it shares between the connections and worker threads of one process);
   * without it the connection is simply not shared.
   */
  share?: ShareOptions;
  /**
   * `'pause'`: close the connection while the page is hidden (after `hiddenGraceMs`) and reconnect with
   * `Last-Event-ID` when it is visible again, so nothing is lost. Not with `share`. @defaultValue 'keep'
   */
  whenHidden?: 'keep' | 'pause';
  /** How long a page may stay hidden before a paused stream disconnects. @defaultValue 0 */
  hiddenGraceMs?: number;
}

/** The options of a typed stream: each event's JSON data is validated by the schema of its type. */
export interface TypedConnectOptions<S extends EventSchemas> extends ConnectOptions<SchemaEvent<S>> {
  /** One Standard Schema (zod, valibot…) per event type; `message` for events sent without a type. */
  schemas: S;
}

/** A live connection: iterate it, or use `onEvent`; `done` settles when it ends for good. */
export interface EventStreamConnection<E = ParsedEvent> extends AsyncIterable<E> {
  /** Stops for good (no error). */
  close(): void;
  /** The id the next reconnection resumes from. */
  readonly lastEventId: string;
  /** Resolves when the stream ends without error (closed, or the server answered 204); rejects with the final error. */
  readonly done: Promise<void>;
}

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
