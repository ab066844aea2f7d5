/**
 * The client's typed errors. Each is a {@link HotlineError} with a catalogue code.
 * @module
 */
import { HotlineError } from '../errors.js';

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
  constructor(status: number, message = `the server answered ${status}`, reason?: ServerReason) {
    super('HOTLINE_CLIENT_HTTP_ERROR', message);
    this.name = 'HttpError';
    this.status = status;
    this.reason = reason;
  }
}

/** The connection failed, dropped, or carried something that is not an event stream. */
export class NetworkError extends HotlineError {
  constructor(
    message: string,
    options: {
      cause?: unknown;
      code?: 'HOTLINE_CLIENT_NETWORK_ERROR' | 'HOTLINE_CLIENT_BAD_CONTENT_TYPE' | 'HOTLINE_CLIENT_EVENT_TOO_LARGE';
    } = {},
  ) {
    super(options.code ?? 'HOTLINE_CLIENT_NETWORK_ERROR', message, { cause: options.cause });
    this.name = 'NetworkError';
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
