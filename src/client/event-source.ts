/**
 * A WHATWG `EventSource` (HTML §9.2) built on `fetch` and the Hotline parser. It runs wherever `fetch`,
 * `EventTarget` and `MessageEvent` exist: Node ≥ 18, browsers, Deno, Bun. Non-spec options (a custom
 * `fetch`, extra headers, an event size cap) are marked as such.
 * @module
 */
import type { EventStreamParser } from '../protocol/index.js';
import { HttpError, NetworkError } from './errors.js';
import { createClientParser, isEventStream, lastEventIdHeader, pumpBody, pumpReader } from './stream-reader.js';
import type { FetchLike, ResponseLike } from './types.js';

/** `EventSourceInit` plus Hotline's extensions. */
export interface EventSourceInit {
  withCredentials?: boolean;
  /** [NON-SPEC] The `fetch` to use. @defaultValue `globalThis.fetch` */
  fetch?: FetchLike;
  /** [NON-SPEC] Extra request headers (browsers' EventSource cannot send any). */
  headers?: Record<string, string>;
  /**
   * [NON-SPEC] The largest line or event accepted, in UTF-8 bytes (see the parser's `maxEventBytes`). Past
   * it the connection is dropped as for a network error: `error` fires and it is re-established with
   * `Last-Event-ID`. `0` turns the bound off. @defaultValue 1 MiB
   */
  maxEventBytes?: number;
}

/** spec(§9.2.2): the default reconnection time is implementation-defined; browsers use a few seconds. */
const DEFAULT_RECONNECTION_TIME_MS = 3000;

/** [NON-SPEC] The `url` of an EventSource made by {@link EventSource.fromReadableStream}. */
const STREAM_URL = 'about:event-stream';

type Handler = ((this: EventSource, event: Event) => unknown) | null;

export class EventSource extends EventTarget {
  // The constants are defined below the class, on the class and its prototype as WebIDL says.
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSED: 2;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSED: 2;

  readonly #url: string;
  readonly #withCredentials: boolean;
  readonly #fetch: FetchLike;
  readonly #headers: Record<string, string>;
  readonly #parser: EventStreamParser;
  #readyState = 0;
  #reconnectionTimeMs = DEFAULT_RECONNECTION_TIME_MS;
  #lastEventId = '';
  #origin = '';
  #abort: AbortController | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #handlers: Record<'open' | 'message' | 'error', Handler> = { open: null, message: null, error: null };
  /** Set by fromReadableStream() around its `new`: that constructor reads the stream instead of fetching. */
  static #adopting: ReadableStreamDefaultReader<Uint8Array> | undefined;

  /**
   * [NON-SPEC] Proposed for HTML (whatwg/html pull request #12272, tested by WPT
   * `eventsource-from-readable-stream`): an EventSource that parses `stream` — a `fetch()` body, a
   * `TransformStream` you pipe reconnections through — with no request of its own and no reconnection.
   * Its `url` is `about:event-stream` and its events' `origin` is `"null"`; when the stream ends or fails,
   * `error` fires and `readyState` is CLOSED. `close()` cancels the stream. A locked stream is a TypeError.
   */
  static fromReadableStream(stream: ReadableStream<Uint8Array>): EventSource {
    // The lock is taken now, so that the caller sees the stream as taken (and a locked one throws here).
    EventSource.#adopting = stream.getReader();
    try {
      return new EventSource(STREAM_URL);
    } finally {
      EventSource.#adopting = undefined;
    }
  }

  constructor(url: string | URL, init: EventSourceInit = {}) {
    super();
    // spec(§9.2.2): parse the URL relative to the document (here: the global location, if any).
    const base = (globalThis as { location?: { href: string } }).location?.href;
    let parsed: URL;
    try {
      parsed = new URL(String(url), base);
    } catch {
      // spec(§9.2.2): a URL that does not parse throws a "SyntaxError" DOMException.
      throw new DOMException(`invalid URL: ${String(url)}`, 'SyntaxError');
    }
    this.#url = parsed.href;
    this.#withCredentials = init.withCredentials === true;
    this.#fetch = init.fetch ?? (globalThis.fetch as unknown as FetchLike);
    this.#headers = init.headers ?? {};
    this.#parser = createClientParser(
      {
        onEvent: (event) => this.#dispatchMessage(event.type, event.data, event.lastEventId),
        // spec(§9.2.6): "Set the last event ID string of the event source to the value of the last event ID
        // buffer" at every blank line, even one that dispatches nothing (an id-only block).
        onId: (id) => {
          if (this.#readyState !== this.CLOSED) this.#lastEventId = id;
        },
        // spec(§9.2.6): a valid retry field sets the event stream's reconnection time.
        onRetry: (ms) => {
          this.#reconnectionTimeMs = ms;
        },
      },
      { maxEventBytes: init.maxEventBytes },
    );
    const adopted = EventSource.#adopting;
    EventSource.#adopting = undefined;
    if (adopted === undefined) void this.#connect();
    else void this.#readAdopted(adopted);
  }

  get url(): string {
    return this.#url;
  }

  get withCredentials(): boolean {
    return this.#withCredentials;
  }

  get readyState(): number {
    return this.#readyState;
  }

  /** [NON-SPEC] Proposed with fromReadableStream(): the last event ID string. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** [NON-SPEC] Proposed with fromReadableStream(): the reconnection time in ms (`retry:` sets it). */
  get reconnectionTime(): number {
    return this.#reconnectionTimeMs;
  }

  get onopen(): Handler {
    return this.#handlers.open;
  }
  set onopen(handler: Handler) {
    this.#setHandler('open', handler);
  }
  get onmessage(): Handler {
    return this.#handlers.message;
  }
  set onmessage(handler: Handler) {
    this.#setHandler('message', handler);
  }
  get onerror(): Handler {
    return this.#handlers.error;
  }
  set onerror(handler: Handler) {
    this.#setHandler('error', handler);
  }

  /** spec(§9.2.2): abort any fetch, set readyState to CLOSED; no further events. */
  close(): void {
    this.#readyState = this.CLOSED;
    clearTimeout(this.#reconnectTimer);
    this.#abort?.abort();
  }

  #setHandler(type: 'open' | 'message' | 'error', handler: Handler): void {
    const previous = this.#handlers[type];
    if (previous !== null) this.removeEventListener(type, previous as EventListener);
    this.#handlers[type] = typeof handler === 'function' ? handler : null;
    if (typeof handler === 'function') this.addEventListener(type, handler as EventListener);
  }

  async #connect(): Promise<void> {
    if (this.#readyState === this.CLOSED) return;
    const abort = new AbortController();
    this.#abort = abort;
    // spec(§9.2.2): Accept: text/event-stream, no caching; spec(§9.2.4): Last-Event-ID when there is one.
    const headers: Record<string, string> = {
      ...this.#headers,
      Accept: 'text/event-stream',
      'Cache-Control': 'no-cache',
    };
    if (this.#lastEventId !== '') headers['Last-Event-ID'] = lastEventIdHeader(this.#lastEventId);
    let response: ResponseLike;
    try {
      response = await this.#fetch(this.#url, {
        headers,
        signal: abort.signal,
        redirect: 'follow',
        cache: 'no-store',
        credentials: this.#withCredentials ? 'include' : 'same-origin',
      });
    } catch (cause) {
      if (abort.signal.aborted) return;
      const error = new NetworkError('the connection could not be made', { cause, url: this.#url });
      // spec(§9.2.3): a network error re-establishes the connection, "unless the user agent knows that to
      // be futile, in which case the user agent may fail the connection": a URL of a scheme other than
      // HTTP(S) (ftp:, about:, mailto:…) that fetch refused will be refused again (WPT
      // eventsource-constructor-non-same-origin).
      if (!/^https?:$/.test(new URL(this.#url).protocol)) return this.#fail(error);
      return this.#reestablish(error);
    }
    if (abort.signal.aborted) return;
    // spec(§9.2.3): anything but a 200 with text/event-stream fails the connection for good (204 included).
    if (response.status !== 200)
      return this.#fail(new HttpError(response.status, undefined, undefined, { url: response.url || this.#url }));
    if (!isEventStream(response.headers.get('content-type'))) {
      return this.#fail(
        new NetworkError('the response is not text/event-stream', {
          code: 'HOTLINE_CLIENT_BAD_CONTENT_TYPE',
          url: response.url || this.#url,
        }),
      );
    }
    if (response.body === null) {
      return this.#reestablish(new NetworkError('the response has no body', { url: this.#url }));
    }
    // spec(§9.2.3): events carry the origin of the final URL, after redirects.
    this.#origin = new URL(response.url || this.#url).origin;
    // spec(§9.2.6): the new stream starts from the last event ID string; an `id:` the old stream cut off
    // before its blank line was never dispatched, so it is neither sent nor used to label events.
    this.#parser.reset({ lastEventId: this.#lastEventId });
    // spec(§9.2.3): announce the connection: readyState OPEN, fire `open`.
    this.#readyState = this.OPEN;
    this.dispatchEvent(new Event('open'));
    try {
      await pumpBody(response.body, this.#parser);
    } catch (error) {
      if (abort.signal.aborted) return;
      // spec(§9.2.3): a network error re-establishes the connection; [NON-SPEC] an event past
      // maxEventBytes is handled as one (the connection is dropped, not read to its end).
      return this.#reestablish(error);
    }
    if (abort.signal.aborted) return;
    // spec(§9.2.3): a stream that ends cleanly is re-established too.
    this.#reestablish(new NetworkError('the stream ended', { url: this.#url }));
  }

  /** [NON-SPEC] fromReadableStream(): announce the connection, parse the stream, and at its end fail. */
  async #readAdopted(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    abort.signal.addEventListener('abort', () => reader.cancel().catch(() => {}), { once: true });
    this.#origin = 'null';
    // Announced a microtask later, as a fetched stream is: the caller sets its handlers after `new`.
    await Promise.resolve();
    if (this.#readyState === this.CLOSED) return;
    this.#readyState = this.OPEN;
    this.dispatchEvent(new Event('open'));
    if (this.#readyState === this.CLOSED) return; // an open listener may have called close()
    try {
      await pumpReader(reader, this.#parser, { url: STREAM_URL });
    } catch (error) {
      if (!abort.signal.aborted) this.#fail(error);
      return;
    }
    // The stream is the application's to re-establish (pipe a new one in): no reconnection here.
    if (!abort.signal.aborted) this.#fail(new NetworkError('the stream ended', { url: STREAM_URL }));
  }

  /** spec(§9.2.3): readyState CONNECTING, fire `error`, wait the reconnection time, connect again. */
  #reestablish(_reason: unknown): void {
    this.#abort?.abort();
    if (this.#readyState === this.CLOSED) return;
    this.#readyState = this.CONNECTING;
    this.dispatchEvent(new Event('error'));
    if (this.#readyState === this.CLOSED) return; // an error listener may have called close()
    this.#reconnectTimer = setTimeout(() => {
      if (this.#readyState === this.CONNECTING) void this.#connect();
    }, this.#reconnectionTimeMs);
  }

  /** spec(§9.2.3): fail the connection: readyState CLOSED, fire `error`, never reconnect. */
  #fail(_reason: unknown): void {
    this.#abort?.abort();
    if (this.#readyState === this.CLOSED) return;
    this.#readyState = this.CLOSED;
    this.dispatchEvent(new Event('error'));
  }

  #dispatchMessage(type: string, data: string, lastEventId: string): void {
    if (this.#readyState === this.CLOSED) return;
    this.dispatchEvent(new MessageEvent(type, { data, lastEventId, origin: this.#origin }));
  }
}

/**
 * WebIDL shape (the IDL of HTML §9.2.2, checked by the WPT port of `interfaces.html`): constants are
 * read-only, enumerable, non-configurable properties of the interface object and of its prototype (not of
 * each instance); attributes and operations are enumerable; `Object.prototype.toString` names the class.
 */
const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSED: 2 } as const;
for (const target of [EventSource, EventSource.prototype]) {
  for (const [name, value] of Object.entries(READY_STATES)) {
    Object.defineProperty(target, name, { value, writable: false, enumerable: true, configurable: false });
  }
}
for (const member of ['url', 'withCredentials', 'readyState', 'onopen', 'onmessage', 'onerror', 'close']) {
  Object.defineProperty(EventSource.prototype, member, { enumerable: true });
}
// [NON-SPEC] the attributes proposed with fromReadableStream(), shaped the same way.
for (const member of ['lastEventId', 'reconnectionTime']) {
  Object.defineProperty(EventSource.prototype, member, { enumerable: true });
}
Object.defineProperty(EventSource.prototype, Symbol.toStringTag, { value: 'EventSource', configurable: true });
