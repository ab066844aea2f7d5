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
  HOTLINE_CALLBACK_FAILED: 'A user callback threw while the parser was dispatching; parsing went on.',
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
