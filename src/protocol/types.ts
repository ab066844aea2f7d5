/**
 * Types of the protocol layer: what the encoder takes and what the parser gives back.
 * @module
 */
import type { HotlineError } from '../errors.js';
import type { ParseError } from './parse-error.js';

/** The fields of one event to write. Every field is optional; see {@link formatEvent}. */
export interface EventFields {
  /**
   * The payload. A string is written as is, split into one `data:` line per line (CRLF, CR or LF);
   * anything else is serialized with `JSON.stringify`. `undefined` writes no `data:` line at all,
   * which makes a frame the receiver does not dispatch (useful for `id`/`retry` alone).
   */
  data?: unknown;
  /** The event type (`event:` field). Must not contain CR or LF. */
  event?: string;
  /** The event id (`id:` field). Must not contain CR, LF or NUL. `''` is written: it resets the receiver's id. */
  id?: string;
  /** The reconnection time in milliseconds (`retry:` field); a non-negative integer. `0` is written. */
  retry?: number;
  /** A comment written before the fields (lines starting with `:`); receivers ignore it. */
  comment?: string;
}

/** One dispatched event, as the spec's "dispatch the event" step builds it. */
export interface ParsedEvent {
  /** The event type: the last `event:` value, or `"message"`. */
  readonly type: string;
  /** The data buffer without its final LF. */
  readonly data: string;
  /** The last-event-ID buffer at dispatch time; it persists across events as in the spec. */
  readonly lastEventId: string;
}

/** Callbacks of {@link createParser}. Only `onEvent` is required. */
export interface ParserCallbacks {
  /** Called once per dispatched event, in stream order. */
  onEvent: (event: ParsedEvent) => void;
  /**
   * Called when the last event ID string changes, with its new value: the documented way to observe ids.
   * Per the spec it is called at dispatch time — at the blank line that ends a block, before `onEvent` —
   * so an id-only block (`id: 7` then a blank line) reports its id although no event is dispatched, and an
   * `id:` in a block cut off by the end of the stream (or `reset()`) is never reported.
   */
  onId?: (lastEventId: string) => void;
  /** Called when a valid `retry:` field sets the reconnection time (milliseconds). */
  onRetry?: (retryMs: number) => void;
  /** Called for each comment line, with the text after the colon (one leading space removed). */
  onComment?: (comment: string) => void;
  /**
   * Called for input the spec tells receivers to ignore (unknown fields, bad `retry`, `id` with NUL), for
   * an event or line past `maxEventBytes` (`HOTLINE_PARSE_EVENT_TOO_LARGE`), and when a callback above
   * throws. Parsing always goes on; nothing is dropped silently. The first four come as a {@link ParseError}
   * naming the offending `field`, its raw `value` and, where the parser still holds it, the `line` (both cut
   * to `PARSE_ERROR_VALUE_MAX_CHARS`); a throwing callback comes as a `HotlineError` with the thrown `cause`.
   */
  onError?: (error: HotlineError) => void;
}

/** Options of {@link createParser} beyond the callbacks. */
export interface ParserOptions {
  /** The initial last-event-ID buffer, e.g. the id a reconnecting client resumes from. @defaultValue `''` */
  lastEventId?: string;
  /**
   * [NON-SPEC] The largest event the parser holds, in UTF-8 bytes (counted on the decoded text: for valid
   * UTF-8 that is exactly the bytes on the wire). Two things are bounded by it:
   * - each line, without its line end;
   * - the event being built: its data (lines joined by LF), event type and last event id, as the
   *   dispatched {@link ParsedEvent} would carry them.
   *
   * Past either, `onError` gets a `HOTLINE_PARSE_EVENT_TOO_LARGE` and the event is discarded: its `data`
   * and `event` lines are dropped and it is not dispatched; parsing goes on after its blank line. Its `id`
   * and `retry` lines still take effect (they are stream state, not payload). An over-long comment line is
   * dropped alone. An over-long line is skipped as it streams in, never buffered, so memory stays bounded:
   * the parser holds at most about 2 × `maxEventBytes` bytes of strings per buffer (JS strings take 1 or 2
   * bytes per UTF-16 code unit, and a UTF-8 byte is at most one code unit). `0` or `Infinity` turns the
   * bound off. @defaultValue 1 MiB (`PARSER_DEFAULTS.maxEventBytes`)
   */
  maxEventBytes?: number;
}

/** Options of {@link EventStreamParser.reset}. */
export interface ParserResetOptions {
  /**
   * The last-event-ID buffer to continue with. By default it is the last event ID string — the id as of the
   * last blank line, as browsers keep it when they reconnect — so events on the new stream without an `id:`
   * still report it; an `id:` of a block the old stream cut off before its blank line is dropped.
   */
  lastEventId?: string;
}

/** A streaming parser made by {@link createParser}. */
export interface EventStreamParser {
  /** Feeds the next chunk of the stream: text, or bytes decoded as UTF-8 in streaming mode. */
  feed(chunk: string | Uint8Array): void;
  /** Discards any partial line and event and starts a new stream (a reconnection). */
  reset(options?: ParserResetOptions): void;
  /** The current last-event-ID buffer (it may hold an `id:` whose blank line has not arrived yet; see `onId`). */
  readonly lastEventId: string;
}
