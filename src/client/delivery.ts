/**
 * Delivery: what one `connect()` does with each parsed event, wherever it came from (its own socket, or a
 * leader tab's relay): keep the cursor, surface a hub `reset` as a {@link ResetEvent}, validate typed events
 * (in order, even when a schema answers asynchronously), call `onEvent`, and queue the event for iteration.
 * @module
 */
import {
  type EventSchemas,
  type InferOutput,
  type ParsedEvent,
  RESET_EVENT_TYPE,
  SchemaError,
  validateEvent,
} from '../protocol/index.js';
import type { CursorStore } from './cursor.js';
import { AbortError } from './errors.js';

/**
 * The hub could not resume after the requested id (it is unknown, or too far behind): the app should
 * refetch a snapshot. Still a `ParsedEvent`, with the hub's JSON `data` read into fields.
 */
export interface ResetEvent extends ParsedEvent {
  readonly type: typeof RESET_EVENT_TYPE;
  /** `'unknown-last-event-id'`, `'too-far-behind'`, or `''` when the server gave none. */
  readonly reason: string;
  /** The id the client asked to resume after, as the server reports it (`''` when it gave none). */
  readonly requestedId: string;
  readonly error?: undefined;
}

/** An event of a typed stream whose data passed its schema: `data` is the schema's output. */
export interface TypedEvent<K extends string, T> {
  readonly type: K;
  readonly data: T;
  readonly lastEventId: string;
  readonly error?: undefined;
}

/** An event of a typed stream whose data failed its schema (or has no schema): not dropped, not a crash. */
export interface InvalidEvent {
  readonly type: string;
  /** The raw data as received. */
  readonly data: string;
  readonly lastEventId: string;
  readonly error: SchemaError;
}

/** What iterating a stream typed by `schemas` yields. Check `event.error` first, then narrow on `event.type`. */
export type SchemaEvent<S extends EventSchemas> =
  | { [K in keyof S & string]: TypedEvent<K, InferOutput<S[K]>> }[keyof S & string]
  | InvalidEvent
  | ResetEvent;

export interface DeliveryOptions<E> {
  cursor?: CursorStore | undefined;
  onEvent?: ((event: E) => void) | undefined;
  onReset?: ((event: ResetEvent) => void) | undefined;
  schemas?: EventSchemas | undefined;
}

function toResetEvent(event: ParsedEvent): ResetEvent {
  let info: { reason?: unknown; lastEventId?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(event.data);
    if (typeof parsed === 'object' && parsed !== null) info = parsed;
  } catch {
    // A server other than the hub may send a bare `event: reset`; it is a reset all the same.
  }
  return {
    type: RESET_EVENT_TYPE,
    data: event.data,
    lastEventId: event.lastEventId,
    reason: typeof info.reason === 'string' ? info.reason : '',
    requestedId: typeof info.lastEventId === 'string' ? info.lastEventId : '',
  };
}

/** Typed streams carry JSON: parse it, then apply the schema of the event's type. */
function checkTyped(
  schemas: EventSchemas,
  event: ParsedEvent,
): TypedEvent<string, unknown> | InvalidEvent | Promise<TypedEvent<string, unknown> | InvalidEvent> {
  const invalid = (error: SchemaError): InvalidEvent => ({ ...event, error });
  let json: unknown;
  try {
    json = JSON.parse(event.data);
  } catch (cause) {
    return invalid(new SchemaError(event.type, [{ message: 'data is not JSON' }], { cause }));
  }
  const settle = (checked: { value: unknown } | SchemaError) =>
    checked instanceof SchemaError
      ? invalid(checked)
      : { type: event.type, data: checked.value, lastEventId: event.lastEventId };
  const checked = validateEvent(schemas, event.type, json);
  return checked instanceof Promise ? checked.then(settle) : settle(checked);
}

/** Hands events to one consumer in stream order, for `onEvent` and for async iteration. */
export class Delivery<E> {
  readonly #options: DeliveryOptions<E>;
  readonly #close: () => void;
  readonly #queue: E[] = [];
  /** Set while an asynchronous validation is pending: later events wait behind it, so order is kept. */
  #chain: Promise<void> | undefined;
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;
  /**
   * With `onEvent` and nobody iterating, events are not queued: a page that only uses `onEvent` would
   * otherwise keep every event it ever received. Iteration starts queueing (a `for await` right after
   * `connect()` starts before the first event can arrive, so it misses none).
   */
  #queueing: boolean;

  /** `close` stops the source; it is called when iteration stops early (`break`). */
  constructor(options: DeliveryOptions<E>, close: () => void) {
    this.#options = options;
    this.#close = close;
    this.#queueing = options.onEvent === undefined;
  }

  /**
   * Saves a committed last event id to the cursor store when it changed. It is called at every blank line
   * that changes the id, an id-only block's included: per the spec (HTML §9.2.6) that id is the one the
   * client resumes from, so a restarted client must resume from it too. `''` (a server's reset of the id)
   * is not saved: the store keeps the last real position.
   */
  commitId(id: string, previousId: string): void {
    if (id !== previousId && id !== '') void this.#options.cursor?.set(id);
  }

  accept(event: ParsedEvent, previousId: string): void {
    this.commitId(event.lastEventId, previousId);
    if (event.type === RESET_EVENT_TYPE) {
      const reset = toResetEvent(event);
      this.#options.onReset?.(reset);
      this.#enqueue(reset as E);
      return;
    }
    const schemas = this.#options.schemas;
    const checked = schemas === undefined ? event : checkTyped(schemas, event);
    if (this.#chain === undefined && !(checked instanceof Promise)) {
      this.#enqueue(checked as E);
      return;
    }
    const chain: Promise<void> = (this.#chain ?? Promise.resolve())
      .then(() => checked)
      .then((typed) => {
        if (this.#chain === chain) this.#chain = undefined;
        try {
          this.#enqueue(typed as E);
        } catch (error) {
          // `onEvent` threw: as on the synchronous path, the caller's own error ends the stream.
          this.#failure = error;
          this.#ended = true;
          this.#wake?.();
          this.#close();
        }
      });
    this.#chain = chain;
  }

  /** No more events: iteration ends after the queued ones (with `error`, unless it is an abort). */
  end(error?: unknown): void {
    const finish = () => {
      this.#ended = true;
      if (error !== undefined && !(error instanceof AbortError)) this.#failure = error;
      this.#wake?.();
    };
    if (this.#chain === undefined) finish();
    else void this.#chain.then(finish);
  }

  iterate(): AsyncGenerator<E, void, undefined> {
    this.#queueing = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<E, void, undefined> {
    try {
      for (;;) {
        const event = this.#queue.shift();
        if (event !== undefined) {
          yield event;
          continue;
        }
        if (this.#ended) {
          if (this.#failure !== undefined) throw this.#failure;
          return;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      // `break` in a for-await loop lands here: the connection is closed and its socket freed.
      this.#close();
    }
  }

  #enqueue(event: E): void {
    if (this.#ended) return;
    this.#options.onEvent?.(event);
    if (!this.#queueing) return;
    this.#queue.push(event);
    this.#wake?.();
  }
}
