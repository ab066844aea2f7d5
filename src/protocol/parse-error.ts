/**
 * The error the parser hands to `onError` for input it ignored or discarded: it names the offending field
 * and value, as eventsource-parser's `ParseError` does, so a receiver can log what the sender got wrong.
 * @module
 */
import { HotlineError } from '../errors.js';

/**
 * `value` and `line` of a {@link ParseError} keep at most this many UTF-16 code units (a longer one is cut,
 * and ends in `…`), so an error reporting a megabyte line holds a few hundred bytes of it, not the line.
 */
export const PARSE_ERROR_VALUE_MAX_CHARS = 256;

/** The codes of input the parser ignored (the spec says to) or discarded (past `maxEventBytes`). */
export type ParseErrorCode =
  | 'HOTLINE_PARSE_INVALID_ID'
  | 'HOTLINE_PARSE_INVALID_RETRY'
  | 'HOTLINE_PARSE_UNKNOWN_FIELD'
  | 'HOTLINE_PARSE_EVENT_TOO_LARGE';

/** What a {@link ParseError} names; `value` and `line` are cut to {@link PARSE_ERROR_VALUE_MAX_CHARS}. */
export interface ParseErrorDetails {
  field: string;
  value: string;
  line?: string;
}

/**
 * A stream line or event the parser ignored or discarded. It is a {@link HotlineError}, so code that
 * checks `code` keeps working; `instanceof ParseError` narrows to the fields below.
 */
export class ParseError extends HotlineError {
  declare readonly code: ParseErrorCode;
  /**
   * The field name of the offending line: `'retry'`, `'id'`, the unknown field's name, or for
   * `HOTLINE_PARSE_EVENT_TOO_LARGE` the field whose line went past the bound (`''` for a comment line).
   */
  readonly field: string;
  /** The field's raw value (after the one optional space), cut to {@link PARSE_ERROR_VALUE_MAX_CHARS}. */
  readonly value: string;
  /**
   * The raw line without its line end, cut to {@link PARSE_ERROR_VALUE_MAX_CHARS}; `undefined` where the
   * parser no longer holds it (an `id` with NUL read by the hot loop, a line or event past the bound).
   */
  readonly line: string | undefined;

  constructor(code: ParseErrorCode, message: string, details: ParseErrorDetails) {
    super(code, message);
    this.name = 'ParseError';
    this.field = truncate(details.field);
    this.value = truncate(details.value);
    this.line = details.line === undefined ? undefined : truncate(details.line);
  }
}

/**
 * Cuts `text` and copies it: V8 represents a slice of a long string as a view that keeps the whole string
 * alive, so an error kept by a client (as `cause`) would retain the megabyte line it was cut from
 * (test/security/client-event-size.test.ts measures it). Joining the characters builds a new flat string.
 */
function truncate(text: string): string {
  const cut = text.length > PARSE_ERROR_VALUE_MAX_CHARS ? `${text.slice(0, PARSE_ERROR_VALUE_MAX_CHARS - 1)}…` : text;
  return cut.split('').join('');
}
