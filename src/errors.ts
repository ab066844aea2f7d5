/**
 * The one error catalogue of Hotline. Every error the library raises on purpose carries a `code` from
 * {@link HOTLINE_ERROR_CODES}; each code is documented in `docs/errors.md` (a test keeps the two in sync).
 *
 * This module imports nothing so that every layer can depend on it.
 * @module
 */

/** Every error code Hotline raises, with the one-line meaning shown in `docs/errors.md`. */
export const HOTLINE_ERROR_CODES = {
  HOTLINE_INVALID_FIELD: 'An SSE field value would corrupt the stream (CR/LF in event or id, NUL in id).',
  HOTLINE_INVALID_RETRY: 'A retry value is not a non-negative integer number of milliseconds.',
  HOTLINE_INVALID_DATA: 'Event data cannot be serialized (JSON.stringify failed or returned nothing).',
  HOTLINE_PARSE_INVALID_RETRY: 'The stream sent a retry field whose value is not all ASCII digits; it was ignored.',
  HOTLINE_PARSE_UNKNOWN_FIELD: 'The stream sent a field the spec does not define; it was ignored.',
  HOTLINE_PARSE_INVALID_ID: 'The stream sent an id containing NUL; it was ignored.',
  HOTLINE_PARSE_EVENT_TOO_LARGE: 'An event or line of the stream was past maxEventBytes; it was discarded.',
  HOTLINE_PARSE_INVALID_OPTIONS: 'createParser was given an invalid option (maxEventBytes).',
  HOTLINE_CALLBACK_FAILED: 'A user callback threw while the parser was dispatching; parsing went on.',
  HOTLINE_SCHEMA_MISMATCH: 'Event data did not match the schema of its event type (or the type has no schema).',
  HOTLINE_SCHEMA_ASYNC: 'A schema validated asynchronously where send() or broadcast() must decide at once.',
  HOTLINE_HUB_BAD_REQUEST: 'The hub rejected a malformed request (missing topic, bad field value, bad body).',
  HOTLINE_HUB_INVALID_UTF8: 'A publish body or field was not valid UTF-8 (or held a lone UTF-16 surrogate).',
  HOTLINE_HUB_INVALID_URL: 'The request target could not be parsed as a URL, or a path segment as UTF-8.',
  HOTLINE_HUB_JSON_TOO_DEEP: 'A JSON publish body nests arrays/objects deeper than the hub accepts.',
  HOTLINE_HUB_HEADERS_TOO_LARGE: 'The request headers are larger than the server accepts (431).',
  HOTLINE_HUB_REQUEST_TIMEOUT: 'The request headers or body did not arrive within the timeout (408).',
  HOTLINE_HUB_UNAUTHORIZED: 'No valid JWT was presented where one is required, or it was expired or malformed.',
  HOTLINE_HUB_FORBIDDEN: 'The JWT is valid but its mercure claims do not allow this publish or subscription.',
  HOTLINE_HUB_FORBIDDEN_ORIGIN:
    'A publish authorized by a cookie (mercureAccessToken, mercureAuthorization) came from an origin the hub does not accept (CSRF).',
  HOTLINE_HUB_PAYLOAD_TOO_LARGE: 'The publish body is larger than the configured maximum.',
  HOTLINE_HUB_UNSUPPORTED_MEDIA_TYPE: 'The publish body is neither form-encoded nor JSON.',
  HOTLINE_HUB_METHOD_NOT_ALLOWED: 'The hub endpoint does not accept this HTTP method.',
  HOTLINE_HUB_NOT_FOUND: 'No hub resource at this path.',
  HOTLINE_HUB_STORAGE_UNAVAILABLE: 'The event log could not store or read the update; nothing was published.',
  HOTLINE_HUB_INVALID_OPTIONS: 'createHub or hotline serve was given an invalid option.',
  HOTLINE_HUB_UNAVAILABLE: 'The hub is draining or at its connection limit; retry after the Retry-After delay.',
  HOTLINE_HUB_TOO_MANY_CONNECTIONS: 'Too many connections from one client address.',
  HOTLINE_HUB_SELECTOR_LIMIT:
    'A subscription asked for a topic selector or URI templates past a limit (length, expressions, count).',
  HOTLINE_HUB_INTERNAL: 'An unexpected error inside the hub; details are in the hub log, not the response.',
  HOTLINE_STREAM_REJECTED: 'An authorize hook refused an event stream before its first byte (401/403/404…).',
  HOTLINE_CLIENT_HTTP_ERROR: 'The server answered the event-stream request with a status the client cannot use.',
  HOTLINE_CLIENT_BAD_CONTENT_TYPE: 'The server answered with a Content-Type other than text/event-stream.',
  HOTLINE_CLIENT_NETWORK_ERROR: 'The connection failed or dropped; the client reconnects unless told not to.',
  HOTLINE_CLIENT_ABORTED: 'The stream was aborted by its AbortSignal or by close().',
  HOTLINE_CLIENT_EVENT_TOO_LARGE: 'One event grew past the maxEventBytes cap; the connection was dropped.',
  HOTLINE_CLIENT_STALLED: 'The stream sent no bytes (liveness) or no event (progress) within its timeout.',
  HOTLINE_CLIENT_AUTH_REFRESH_FAILED:
    'refreshAuth() failed; the client stopped rather than continue without credentials.',
  HOTLINE_CLIENT_RETRIES_EXHAUSTED: 'The client gave up after maxAttempts failed connection attempts.',
  HOTLINE_CLIENT_INVALID_OPTIONS: 'connect() was given options it cannot combine or use.',
  HOTLINE_LOG_UNAVAILABLE: 'The event log backend (Redis, NATS) is unreachable; the update was not stored.',
  HOTLINE_HUB_MISSING_DEPENDENCY:
    'The hub needs an optional package that is not installed (better-sqlite3, ioredis, @nats-io/*).',
  HOTLINE_BENCH_INVALID_OPTIONS: 'The load generator (runLoad, the bench peers) was given an invalid option.',
} as const satisfies Record<`HOTLINE_${string}`, string>;

/** A code from the catalogue. */
export type HotlineErrorCode = keyof typeof HOTLINE_ERROR_CODES;

/** Options shared by the Hotline error classes. */
export interface HotlineErrorOptions {
  /** The foreign error this one wraps, if any. */
  cause?: unknown;
}

/** An error Hotline raised on purpose; `code` says which one (see `docs/errors.md`). */
export class HotlineError extends Error {
  readonly code: HotlineErrorCode;

  constructor(code: HotlineErrorCode, message: string, options?: HotlineErrorOptions) {
    super(message, options);
    this.name = 'HotlineError';
    this.code = code;
  }
}

/**
 * A programming error: a value the caller passed cannot be used. It is a `TypeError` so that code which
 * already handles `TypeError` keeps working, and it carries the catalogue code and the offending field.
 */
export class HotlineTypeError extends TypeError {
  readonly code: HotlineErrorCode;
  /** The name of the field or parameter that was rejected. */
  readonly field: string;

  constructor(code: HotlineErrorCode, field: string, message: string, options?: HotlineErrorOptions) {
    super(message, options);
    this.name = 'HotlineTypeError';
    this.code = code;
    this.field = field;
  }
}

/** True for any error raised by Hotline, whatever its class. */
export function isHotlineError(error: unknown): error is HotlineError | HotlineTypeError {
  return error instanceof HotlineError || error instanceof HotlineTypeError;
}
