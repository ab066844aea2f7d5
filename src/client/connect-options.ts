/**
 * The options of `connect()` and the connection it returns, apart from the modules that act on them
 * (connect.ts, share.ts, stream-loop.ts), so that those import one another only one way.
 * @module
 */
import type { HotlineError } from '../errors.js';
import type { EventSchemas, ParsedEvent, StateValue } from '../protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import type { CursorStore } from './cursor.js';
import type { ResetEvent, SchemaEvent } from './delivery.js';
import type { FetchLike, RequestInitLike, ResponseLike } from './types.js';

export interface ReconnectOptions extends BackoffOptions {
  /** Failed attempts in a row before giving up; `Infinity` never gives up. @defaultValue Infinity */
  maxAttempts?: number;
}

/** The options of `connect()` that shape the network loop. */
export interface LoopOptions {
  /** Request headers, or a function (sync or async) called before every connection attempt. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** @defaultValue 'GET' */
  method?: string;
  body?: RequestInitLike['body'];
  /** Reconnection policy; `false` turns reconnection off. */
  reconnect?: ReconnectOptions | false;
  /** Called with each response before it is read; throw to reject it (the error decides: HttpError(4xx) is final). */
  onOpen?: (response: ResponseLike) => void | Promise<void>;
  /** Called for every failure the client recovers from by reconnecting, with the delay it will wait. */
  onRetry?: (error: HotlineError, delayMs: number, attempt: number) => void;
  /**
   * Liveness watchdog: no byte at all (not even a heartbeat) for this long drops the connection and
   * reconnects. @defaultValue 2.5 × the heartbeat period the server announces (`: heartbeat N`), else off
   */
  livenessTimeoutMs?: number;
  /** Progress watchdog: no event (comments do not count) for this long drops and reconnects. @defaultValue off */
  progressTimeoutMs?: number;
  /**
   * Called on 401/403 and shortly before the `Authorization: Bearer` token expires; update what `headers`
   * returns, and the client reconnects with the same `Last-Event-ID`. If it throws, the client stops — it
   * never goes on without credentials.
   */
  refreshAuth?: () => void | Promise<void>;
  /**
   * The largest line or event accepted, in UTF-8 bytes (see the parser's `maxEventBytes`). Past it the
   * connection is dropped, `onRetry` gets a `NetworkError` (`HOTLINE_CLIENT_EVENT_TOO_LARGE`), and the client
   * reconnects with `Last-Event-ID` after the backoff, which keeps growing while connections bring nothing
   * but an oversize event. `0` turns the bound off. @defaultValue 1 MiB
   */
  maxEventBytes?: number;
  /**
   * State on subscribe, from a Hotline hub (docs/state-on-subscribe.md): `'latest'` for the newest update of
   * each topic, `'last:10'` for the last 10, `'last:10@/news'` for one `topic` selector only; several as an
   * array. Sent as the `state` query parameter only while there is no last event id — the first connection
   * of a fresh client; a reconnection resumes with `Last-Event-ID` instead, so nothing comes twice.
   */
  state?: StateValue | readonly StateValue[];
  fetch?: FetchLike;
}

/** `share`: one connection for the tabs of an origin (share.ts). */
export interface ShareOptions {
  /** Tabs of one origin that use the same name share one connection (name it after the URL it reads). */
  name: string;
  /** The leader's lease where Web Locks are missing: a silent leader is replaced after this long. @defaultValue 1500 */
  leaseMs?: number;
}

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
