/**
 * The reconnecting read loop behind `connect()`: one fetch per attempt, parsed with the spec parser,
 * watchdogs (liveness, progress, token expiry), auth refresh, backoff with jitter, and the optional pause
 * while the page is hidden. It only produces parsed events; what happens to them is the caller's.
 * @module
 */

import { HotlineError } from '../errors.js';
import { announcedHeartbeatMs, type ParsedEvent, STATE_PARAMETER } from '../protocol/index.js';
import { backoffDelay } from './backoff.js';
import type { ConnectOptions, LoopOptions } from './connect-options.js';
import { httpErrorOf } from './error-body.js';
import { AbortError, HttpError, NetworkError, StallError } from './errors.js';
import { createClientParser, isEventStream, lastEventIdHeader, pumpBody } from './stream-reader.js';
import { tokenExpiry } from './token-expiry.js';
import type { FetchLike, ResponseLike } from './types.js';
import { watchHidden, whenVisible } from './visibility.js';

/** The first id to resume after: the `lastEventId` option, else the cursor store, else none. */
export function startingId(options: ConnectOptions<unknown>): string | Promise<string> {
  if (options.lastEventId !== undefined) return options.lastEventId;
  const stored = options.cursor?.get();
  // Synchronous where possible: the first request goes out in the same turn as `connect()`.
  return stored instanceof Promise ? stored.then((id) => id ?? '') : (stored ?? '');
}

/** The options of the network loop alone, without what happens to events (what a leader tab passes on). */
export function loopOptions(options: ConnectOptions<unknown> & { schemas?: unknown }): LoopOptions {
  const { signal, lastEventId, onEvent, cursor, onReset, share, whenHidden, hiddenGraceMs, schemas, ...loop } = options;
  return loop;
}

/**
 * What a connection accepts when the caller gives no `onOpen`: 200 and `text/event-stream`. The server's
 * reason (a JSON error body) travels with a refused status, so a caller can show it.
 */
export async function checkResponse(response: ResponseLike): Promise<void> {
  if (response.status !== 200) throw await httpErrorOf(response);
  const type = response.headers.get('content-type');
  if (!isEventStream(type)) {
    // Cut: the header is the server's to choose, and an error message is logged.
    const given = type === null ? 'untyped' : JSON.stringify(type.slice(0, 100));
    throw new NetworkError(`the response is ${given}, not text/event-stream`, {
      code: 'HOTLINE_CLIENT_BAD_CONTENT_TYPE',
      url: response.url,
    });
  }
}

/** Statuses worth trying again: timeouts, rate limits and server-side failures. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export class StreamLoop {
  readonly #url: string;
  readonly #options: LoopOptions;
  readonly #emit: (event: ParsedEvent, previousId: string) => void;
  readonly #commitId: ((id: string, previousId: string) => void) | undefined;
  readonly #comment: ((text: string) => void) | undefined;
  readonly #abort: AbortController;
  /** Hidden pages hold no connection when set (`whenHidden: 'pause'`), after this grace period. */
  readonly #pauseGraceMs: number | undefined;
  /** The last event ID string: the id as of the last blank line (HTML §9.2.6), sent as `Last-Event-ID`. */
  #lastEventId: string;
  /** The id before the block being dispatched, so that `emit` can tell whether the event changed it. */
  #idBeforeBlock: string;
  #serverRetryMs: number | undefined;
  #announcedHeartbeatMs: number | undefined;
  #bearer: string | undefined;
  #eventCount = 0;

  constructor(
    url: string,
    options: LoopOptions,
    init: {
      lastEventId: string;
      abort: AbortController;
      emit: (event: ParsedEvent, previousId: string) => void;
      /** Called when a blank line changes the last event id, whether or not it dispatches an event. */
      commitId?: (id: string, previousId: string) => void;
      /** Called with the text of every comment (heartbeats, Hotline's wire words). */
      comment?: (text: string) => void;
      pauseGraceMs?: number | undefined;
    },
  ) {
    this.#url = url;
    this.#options = options;
    this.#lastEventId = init.lastEventId;
    this.#idBeforeBlock = init.lastEventId;
    this.#abort = init.abort;
    this.#emit = init.emit;
    this.#commitId = init.commitId;
    this.#comment = init.comment;
    this.#pauseGraceMs = init.pauseGraceMs;
  }

  /** The id the next reconnection resumes from. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /**
   * Reads until the stream ends for good: resolves on abort or 204, rejects with the final error. One loop
   * of one attempt per turn, kept in one function because its locals (failures in a row, the 401 refresh,
   * the attempt's watchdog and pause) span the attempt's try, catch and finally.
   */
  async run(): Promise<void> {
    const reconnect = this.#options.reconnect;
    const maxAttempts = reconnect === false ? 1 : (reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY);
    const parser = this.#createParser();
    let failures = 0;
    /** The failures in a row before this connection opened, and the events seen then: see the backoff below. */
    let failedBefore = 0;
    let eventsAtOpen = 0;
    let refreshedFor401 = false;
    for (;;) {
      // A paused stream waits here, connection-less, until the page is visible again.
      if (this.#pauseGraceMs !== undefined) await whenVisible(this.#abort.signal);
      if (this.#abort.signal.aborted) return;
      let error: HotlineError;
      // Each attempt has its own signal, so a watchdog or a token refresh can drop one connection
      // without closing the stream for good.
      const attempt = new AbortController();
      const forward = () => attempt.abort();
      this.#abort.signal.addEventListener('abort', forward, { once: true });
      const watch = this.#watch(attempt);
      let paused = false;
      const stopWatchingHidden =
        this.#pauseGraceMs === undefined
          ? undefined
          : watchHidden(this.#pauseGraceMs, () => {
              paused = true;
              attempt.abort();
            });
      try {
        const response = await this.#open(attempt.signal);
        if (response === 'no-content') return;
        failedBefore = failures;
        eventsAtOpen = this.#eventCount;
        failures = 0;
        refreshedFor401 = false;
        // spec(§9.2.6): resume from the last event ID string; an `id:` the old stream cut off before its
        // blank line was never dispatched, so it is neither sent nor used to label events.
        parser.reset({ lastEventId: this.#lastEventId });
        watch.start();
        await pumpBody(response.body!, parser, { onChunk: watch.sawBytes, url: this.#url });
        error = new NetworkError('the stream ended', { url: this.#url });
      } catch (caught) {
        if (this.#abort.signal.aborted) return;
        // Hidden past the grace period: not a failure; reconnect by id once visible.
        if (paused) continue;
        if (watch.reason !== undefined) {
          // A watchdog or a token refresh dropped this connection on purpose.
          if (watch.reason instanceof HotlineError && watch.reason.code === 'HOTLINE_CLIENT_AUTH_REFRESH_FAILED')
            throw watch.reason;
          if (reconnect === false) throw watch.reason;
          this.#options.onRetry?.(watch.reason, 0, failures);
          continue;
        }
        if (
          caught instanceof HttpError &&
          (caught.status === 401 || caught.status === 403) &&
          this.#options.refreshAuth !== undefined &&
          !refreshedFor401
        ) {
          // One refresh per refusal: a second 401 right after a refresh is final.
          refreshedFor401 = true;
          await this.#refresh();
          continue;
        }
        // Errors of the caller's own code (a headers function, onOpen, onEvent) are final: retrying would
        // only repeat them. Final HTTP statuses and non-event-stream responses are final too.
        if (!(caught instanceof HotlineError)) throw caught;
        if (caught instanceof HttpError && !retryable(caught.status)) throw caught;
        error = caught;
        if (error.code === 'HOTLINE_CLIENT_BAD_CONTENT_TYPE') throw error;
        // A connection that brought nothing but an oversize event did not succeed: the backoff keeps growing,
        // so a server that resends that event is not hammered, and maxAttempts ends it.
        if (error.code === 'HOTLINE_CLIENT_EVENT_TOO_LARGE' && this.#eventCount === eventsAtOpen)
          failures = failedBefore;
        failures++;
      } finally {
        watch.stop();
        stopWatchingHidden?.();
        this.#abort.signal.removeEventListener('abort', forward);
      }
      if (this.#abort.signal.aborted) return;
      if (paused) continue;
      if (reconnect === false) throw error;
      if (failures >= maxAttempts) {
        throw new HotlineError('HOTLINE_CLIENT_RETRIES_EXHAUSTED', `gave up after ${failures} failed attempts`, {
          cause: error,
        });
      }
      const delay = backoffDelay(failures, reconnect ?? {}, this.#serverRetryMs);
      this.#options.onRetry?.(error, delay, failures);
      await this.#sleep(delay);
    }
  }

  /** One parser for every attempt (reset between them), keeping the id, the server's retry and its heartbeat. */
  #createParser(): ReturnType<typeof createClientParser> {
    return createClientParser(
      {
        // spec(§9.2.6): the last event ID string is set at every blank line, before the event (if any) is
        // dispatched, so an id-only block moves the resume position too.
        onId: (id) => {
          this.#idBeforeBlock = this.#lastEventId;
          this.#lastEventId = id;
          this.#commitId?.(id, this.#idBeforeBlock);
        },
        onEvent: (event) => {
          const previousId = this.#idBeforeBlock;
          this.#idBeforeBlock = event.lastEventId;
          this.#eventCount++;
          this.#emit(event, previousId);
        },
        onComment: (text) => {
          // A Hotline server announces its heartbeat period; the liveness watchdog follows it by default.
          const announced = announcedHeartbeatMs(text);
          if (announced !== undefined && this.#options.livenessTimeoutMs === undefined)
            this.#announcedHeartbeatMs = announced;
          this.#comment?.(text);
        },
        onRetry: (ms) => {
          this.#serverRetryMs = ms;
        },
      },
      { lastEventId: this.#lastEventId, maxEventBytes: this.#options.maxEventBytes, url: this.#url },
    );
  }

  /** The URL, with the state request while there is no id to resume from (a resume owes what was missed). */
  #requestUrl(): string {
    const { state } = this.#options;
    if (state === undefined || this.#lastEventId !== '') return this.#url;
    const url = new URL(this.#url, globalThis.location?.href);
    for (const value of typeof state === 'string' ? [state] : state) url.searchParams.append(STATE_PARAMETER, value);
    return url.href;
  }

  /** One connection attempt: the response to read, `'no-content'` for 204, or a typed error. */
  async #open(signal: AbortSignal): Promise<ResponseLike | 'no-content'> {
    const given = this.#options.headers;
    const headers: Record<string, string> = {
      // JSON second: a server that refuses the stream then says why in a body `HttpError` can read (the
      // hub's `{error:{code,message}}`; it answers plain text to clients that do not accept JSON).
      Accept: 'text/event-stream, application/json;q=0.5',
      'Cache-Control': 'no-cache',
      ...(typeof given === 'function' ? await given() : given),
    };
    if (this.#lastEventId !== '') headers['Last-Event-ID'] = lastEventIdHeader(this.#lastEventId);
    this.#bearer = /^Bearer\s+(\S+)$/i.exec(headers.Authorization ?? headers.authorization ?? '')?.[1];
    const fetcher = this.#options.fetch ?? (globalThis.fetch as unknown as FetchLike);
    let response: ResponseLike;
    try {
      response = await fetcher(this.#requestUrl(), {
        method: this.#options.method ?? 'GET',
        headers,
        body: this.#options.body ?? null,
        signal,
        redirect: 'follow',
        cache: 'no-store',
      });
    } catch (cause) {
      if (this.#abort.signal.aborted) throw new AbortError();
      throw new NetworkError('the connection could not be made', { cause, url: this.#url });
    }
    // 204 is the standard "stop reconnecting": the stream is over, not failed.
    if (response.status === 204) {
      await response.body?.cancel().catch(() => {});
      return 'no-content';
    }
    try {
      await (this.#options.onOpen ?? checkResponse)(response);
      if (response.body === null) throw new NetworkError('the response has no body', { url: this.#url });
    } catch (error) {
      await response.body?.cancel().catch(() => {});
      throw error;
    }
    return response;
  }

  async #refresh(): Promise<void> {
    try {
      await this.#options.refreshAuth?.();
    } catch (cause) {
      throw new HotlineError('HOTLINE_CLIENT_AUTH_REFRESH_FAILED', 'refreshAuth() failed', { cause });
    }
  }

  /**
   * The watchdogs of one connection: liveness (any byte), progress (events only) and token expiry. Each
   * records why it dropped the connection, then aborts the attempt so the loop reconnects.
   */
  #watch(attempt: AbortController) {
    const timers: ReturnType<typeof setTimeout>[] = [];
    let liveness: ReturnType<typeof setTimeout> | undefined;
    let progress: ReturnType<typeof setTimeout> | undefined;
    let eventsSeen = this.#eventCount;
    const watch = {
      reason: undefined as HotlineError | undefined,
      drop: (reason: HotlineError) => {
        if (watch.reason !== undefined) return;
        watch.reason = reason;
        attempt.abort();
      },
      livenessMs: () =>
        this.#options.livenessTimeoutMs ??
        (this.#announcedHeartbeatMs === undefined ? 0 : this.#announcedHeartbeatMs * 2.5),
      sawBytes: () => {
        clearTimeout(liveness);
        const ms = watch.livenessMs();
        if (ms > 0) liveness = setTimeout(() => watch.drop(new StallError('liveness', ms)), ms);
        const progressMs = this.#options.progressTimeoutMs ?? 0;
        if (progressMs > 0 && (progress === undefined || this.#eventCount !== eventsSeen)) {
          eventsSeen = this.#eventCount;
          clearTimeout(progress);
          progress = setTimeout(() => watch.drop(new StallError('progress', progressMs)), progressMs);
        }
      },
      start: () => {
        watch.sawBytes();
        const exp = this.#bearer === undefined ? undefined : tokenExpiry(this.#bearer);
        if (exp !== undefined && this.#options.refreshAuth !== undefined) {
          // Refresh a little before expiry (a tenth of the time left, at most 30 s, at least 100 ms).
          const left = exp * 1000 - Date.now();
          const at = Math.max(0, left - Math.min(30_000, Math.max(100, left / 10)));
          timers.push(
            setTimeout(async () => {
              try {
                await this.#refresh();
                watch.drop(new NetworkError('reconnecting with a refreshed token', { url: this.#url }));
              } catch (error) {
                watch.drop(error as HotlineError);
              }
            }, at),
          );
        }
      },
      stop: () => {
        clearTimeout(liveness);
        clearTimeout(progress);
        for (const t of timers) clearTimeout(t);
      },
    };
    return watch;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.#abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
