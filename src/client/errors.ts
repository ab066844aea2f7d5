/**
 * The client's typed errors. Each is a {@link HotlineError} with a catalogue code.
 * @module
 */
import { HotlineError } from '../errors.js';
import { describeCause, redactUrl } from './error-context.js';

/** What a server said about a refusal, read from its error body (see `readErrorBody`). */
export interface ServerReason {
  /** The server's own message: `{"error":{"message"}}`, `{"error":"…"}` or `{"message":"…"}` of a JSON body. */
  readonly message: string;
  /** The server's error code, when the body has one (`{"error":{"code"}}` or `{"code":"…"}`). */
  readonly code?: string;
}

/** The server answered with a status the client cannot use. */
export class HttpError extends HotlineError {
  readonly status: number;
  /** What the server said, when its answer had a JSON error body; `undefined` otherwise. */
  readonly reason: ServerReason | undefined;
  /** The URL that answered, credentials in its query and userinfo redacted; `undefined` when unknown. */
  readonly url: string | undefined;
  constructor(status: number, message?: string, reason?: ServerReason, options: { url?: string | undefined } = {}) {
    const url = options.url === undefined || options.url === '' ? undefined : redactUrl(options.url);
    super('HOTLINE_CLIENT_HTTP_ERROR', message ?? httpErrorMessage(status, reason, url));
    this.name = 'HttpError';
    this.status = status;
    this.reason = reason;
    this.url = url;
  }

  /** The server's own error code (the hub's `HOTLINE_HUB_…` of `{"error":{"code"}}`), when it gave one. */
  get serverCode(): string | undefined {
    return this.reason?.code;
  }

  /** The server's own message, when its answer had a JSON error body. */
  get serverMessage(): string | undefined {
    return this.reason?.message;
  }
}

/** `the server at <url> answered 401: the token has expired (HOTLINE_HUB_UNAUTHORIZED)` */
function httpErrorMessage(status: number, reason: ServerReason | undefined, url: string | undefined): string {
  const who = url === undefined ? 'the server' : `the server at ${url}`;
  if (reason === undefined) return `${who} answered ${status}`;
  return `${who} answered ${status}: ${reason.message}${reason.code === undefined ? '' : ` (${reason.code})`}`;
}

/** The codes a {@link NetworkError} carries. */
export type NetworkErrorCode =
  | 'HOTLINE_CLIENT_NETWORK_ERROR'
  | 'HOTLINE_CLIENT_BAD_CONTENT_TYPE'
  | 'HOTLINE_CLIENT_EVENT_TOO_LARGE';

/**
 * The connection failed, dropped, or carried something that is not an event stream. Its message names the
 * URL and the cause (`the connection could not be made to http://…: connect ECONNREFUSED 127.0.0.1:3000`).
 */
export class NetworkError extends HotlineError {
  /** The URL of the stream, credentials in its query and userinfo redacted; `undefined` when unknown. */
  readonly url: string | undefined;
  constructor(message: string, options: { cause?: unknown; code?: NetworkErrorCode; url?: string | undefined } = {}) {
    const url = options.url === undefined || options.url === '' ? undefined : redactUrl(options.url);
    const cause = options.cause === undefined ? undefined : describeCause(options.cause);
    const where = url === undefined ? '' : ` (${url})`;
    // A cause already quoted in the message (an oversize event's parser error) is not repeated.
    const why = cause === undefined || message.includes(cause) ? '' : `: ${cause}`;
    super(options.code ?? 'HOTLINE_CLIENT_NETWORK_ERROR', `${message}${where}${why}`, { cause: options.cause });
    this.name = 'NetworkError';
    this.url = url;
  }
}

/** The stream was stopped on purpose: an AbortSignal, `close()`, or leaving a `for await` loop. */
export class AbortError extends HotlineError {
  constructor(message = 'the stream was aborted') {
    super('HOTLINE_CLIENT_ABORTED', message);
    this.name = 'AbortError';
  }
}

/** The stream went quiet past a watchdog: no bytes (liveness) or no events (progress). */
export class StallError extends HotlineError {
  readonly watchdog: 'liveness' | 'progress';
  constructor(watchdog: 'liveness' | 'progress', timeoutMs: number) {
    super('HOTLINE_CLIENT_STALLED', `no ${watchdog === 'liveness' ? 'bytes' : 'events'} for ${timeoutMs} ms`);
    this.name = 'StallError';
    this.watchdog = watchdog;
  }
}
