/**
 * The streaming event-stream parser: the WHATWG algorithm "Parsing an event stream" and "Interpreting an
 * event stream" (HTML §9.2.6), fed in chunks of any size, split anywhere.
 *
 * Performance notes (measured by `npm run bench:parser`): the parser scans only the newest chunk for line
 * ends (a partial line is joined once, when its end arrives), recognises the four field names by char
 * code without slicing the line, and caches the position of the next CR so that LF-only streams search for
 * CR once per chunk. That keeps it linear in the input whatever the chunking.
 * @module
 */
import { HotlineError } from '../errors.js';
import {
  BYTE_ORDER_MARK,
  CHAR_a,
  CHAR_d,
  CHAR_e,
  CHAR_i,
  CHAR_n,
  CHAR_t,
  CHAR_v,
  COLON,
  CR,
  DEFAULT_EVENT_TYPE,
  DIGIT_0,
  DIGIT_9,
  LF,
  SPACE,
} from './constants.js';
import { createUtf8StreamDecoder, type Utf8StreamDecoder } from './decode.js';
import type { EventStreamParser, ParsedEvent, ParserCallbacks, ParserOptions, ParserResetOptions } from './types.js';

/**
 * Creates a parser for one event stream at a time (call `reset()` between connections).
 *
 * The parser never throws on any input. A callback that throws is reported to `onError` when given;
 * without `onError`, the first such error is rethrown once the whole chunk has been parsed, so no
 * later event of the chunk is lost.
 */
export function createParser(callbacks: ParserCallbacks, options: ParserOptions = {}): EventStreamParser {
  const { onEvent, onRetry, onComment, onError } = callbacks;

  let decoder: Utf8StreamDecoder | undefined;
  let atStreamStart = true;
  /** The start of a line whose end has not arrived yet. */
  let pendingLine = '';
  /** The previous chunk ended in CR: a LF opening this chunk belongs to the same line end. */
  let skipLeadingLF = false;

  let data = '';
  let dataLines = 0;
  let eventType = '';
  let lastEventId = options.lastEventId ?? '';
  let deferredError: unknown;
  let hasDeferredError = false;

  function feed(chunk: string | Uint8Array): void {
    let text: string;
    if (typeof chunk === 'string') {
      // Bytes held back from a previous binary chunk can never complete now: they become U+FFFD.
      text = decoder === undefined ? chunk : decoder.flush() + chunk;
    } else {
      decoder ??= createUtf8StreamDecoder();
      text = decoder.decode(chunk);
    }
    if (text.length === 0) return;
    let pos = 0;
    if (atStreamStart) {
      atStreamStart = false;
      if (text.charCodeAt(0) === BYTE_ORDER_MARK) pos = 1;
    }
    if (skipLeadingLF) {
      skipLeadingLF = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    parseText(text, pos);
    if (hasDeferredError) {
      const error = deferredError;
      hasDeferredError = false;
      deferredError = undefined;
      throw error;
    }
  }

  function parseText(text: string, start: number): void {
    const length = text.length;
    let pos = start;
    let lf = text.indexOf('\n', pos);
    let cr = text.indexOf('\r', pos);
    if (pendingLine !== '') {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (end === -1) {
        // A rope concatenation: joining costs nothing until the line end arrives and the line is read once.
        pendingLine += pos === 0 ? text : text.slice(pos);
        return;
      }
      const line = pendingLine + text.slice(pos, end);
      pendingLine = '';
      interpretLine(line, 0, line.length);
      pos = afterLineEnd(text, end);
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
    }
    if (cr === -1) {
      // The common case, LF-only text: one search per line, and the three common fields handled right
      // here — the engine does not inline interpretLine into this loop, and the call costs ~15%
      // (measured with bench/parser.ts).
      while (lf !== -1) {
        switch (pos === lf ? OTHER_FIELD : commonField(text, pos)) {
          case DATA_FIELD:
            appendData(text.slice(valueStart(text, pos + 5, lf), lf));
            break;
          case EVENT_FIELD:
            eventType = text.slice(valueStart(text, pos + 6, lf), lf);
            break;
          case ID_FIELD:
            setId(text.slice(valueStart(text, pos + 3, lf), lf));
            break;
          default:
            interpretLine(text, pos, lf);
        }
        pos = lf + 1;
        // Most lines are followed by the blank line that ends the event: dispatch without a search.
        if (text.charCodeAt(pos) === LF) {
          dispatch();
          pos++;
        }
        lf = text.indexOf('\n', pos);
      }
    } else {
      for (;;) {
        const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
        if (end === -1) break;
        interpretLine(text, pos, end);
        pos = afterLineEnd(text, end);
        if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
        if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
      }
    }
    if (pos < length) pendingLine = pos === 0 ? text : text.slice(pos);
  }

  /** The index after the line end at `end`. */
  function afterLineEnd(text: string, end: number): number {
    const next = end + 1;
    if (text.charCodeAt(end) !== CR) return next;
    // spec(§9.2.6): CRLF is one line end, even when CR ends one chunk and LF starts the next.
    if (next === text.length) {
      skipLeadingLF = true;
      return next;
    }
    return text.charCodeAt(next) === LF ? next + 1 : next;
  }

  /**
   * Interprets the line `s[start, end)`, which has no line end in it. `data:`, `event:` and `id:` are
   * nearly every line of a real stream: they are recognised by char code, without slicing the name.
   */
  function interpretLine(s: string, start: number, end: number): void {
    // spec(§9.2.6): if the line is empty, dispatch the event.
    if (start === end) {
      dispatch();
      return;
    }
    switch (commonField(s, start)) {
      case DATA_FIELD:
        appendData(s.slice(valueStart(s, start + 5, end), end));
        return;
      case EVENT_FIELD:
        // spec(§9.2.6): "event" sets the event type buffer.
        eventType = s.slice(valueStart(s, start + 6, end), end);
        return;
      case ID_FIELD:
        setId(s.slice(valueStart(s, start + 3, end), end));
        return;
      default:
        interpretRareLine(s, start, end);
    }
  }

  /** Comments, `retry`, fields without a colon, and unknown fields. */
  function interpretRareLine(s: string, start: number, end: number): void {
    // spec(§9.2.6): if the line starts with a colon, ignore the line (a comment).
    if (s.charCodeAt(start) === COLON) {
      if (onComment !== undefined) safely(onComment, s.slice(valueStart(s, start + 1, end), end));
      return;
    }
    // spec(§9.2.6): a line without a colon is a field whose value is the empty string.
    const colon = indexOfColon(s, start, end);
    const name = s.slice(start, colon);
    const value = colon === end ? '' : s.slice(valueStart(s, colon + 1, end), end);
    switch (name) {
      case 'data':
        appendData(value);
        return;
      case 'event':
        eventType = value;
        return;
      case 'id':
        setId(value);
        return;
      case 'retry':
        setRetry(value);
        return;
      default:
        report('HOTLINE_PARSE_UNKNOWN_FIELD', `unknown field ${quote(name)}; ignored`);
    }
  }

  function appendData(value: string): void {
    // spec(§9.2.6): append the value then a LF to the data buffer; the final LF is removed at dispatch,
    // so joining with LF between lines builds the same string without the trim.
    data = dataLines === 0 ? value : `${data}\n${value}`;
    dataLines++;
  }

  function setId(value: string): void {
    // spec(§9.2.6): if the field value does not contain U+0000 NULL, set the last event ID buffer.
    if (value.indexOf('\0') === -1) {
      lastEventId = value;
      return;
    }
    report('HOTLINE_PARSE_INVALID_ID', 'id field contains NUL; ignored');
  }

  function setRetry(value: string): void {
    // spec(§9.2.6): if the field value consists of only ASCII digits, set the reconnection time.
    if (isAsciiDigits(value)) {
      if (onRetry !== undefined) safely(onRetry, Number.parseInt(value, 10));
      return;
    }
    report('HOTLINE_PARSE_INVALID_RETRY', `retry value ${quote(value)} is not all ASCII digits; ignored`);
  }

  function dispatch(): void {
    // spec(§9.2.6): if the data buffer is empty, reset the data and event type buffers and return.
    if (dataLines === 0) {
      eventType = '';
      return;
    }
    const event: ParsedEvent = { type: eventType === '' ? DEFAULT_EVENT_TYPE : eventType, data, lastEventId };
    data = '';
    dataLines = 0;
    eventType = '';
    try {
      onEvent(event);
    } catch (cause) {
      callbackFailed(cause);
    }
  }

  function safely<T>(callback: (value: T) => void, value: T): void {
    try {
      callback(value);
    } catch (cause) {
      callbackFailed(cause);
    }
  }

  function callbackFailed(cause: unknown): void {
    if (onError !== undefined) {
      onError(new HotlineError('HOTLINE_CALLBACK_FAILED', 'a parser callback threw', { cause }));
    } else if (!hasDeferredError) {
      hasDeferredError = true;
      deferredError = cause;
    }
  }

  function report(
    code: 'HOTLINE_PARSE_INVALID_ID' | 'HOTLINE_PARSE_INVALID_RETRY' | 'HOTLINE_PARSE_UNKNOWN_FIELD',
    message: string,
  ): void {
    if (onError !== undefined) onError(new HotlineError(code, message));
  }

  function reset(resetOptions: ParserResetOptions = {}): void {
    // spec(§9.2.6): at the end of a stream, pending data and a partial event are discarded.
    decoder = undefined;
    atStreamStart = true;
    pendingLine = '';
    skipLeadingLF = false;
    data = '';
    dataLines = 0;
    eventType = '';
    if (resetOptions.lastEventId !== undefined) lastEventId = resetOptions.lastEventId;
  }

  return {
    feed,
    reset,
    get lastEventId() {
      return lastEventId;
    },
  };
}

const OTHER_FIELD = 0;
const DATA_FIELD = 1;
const EVENT_FIELD = 2;
const ID_FIELD = 3;

/** Which of `data:`, `event:` or `id:` (colon included) starts at `start`, else {@link OTHER_FIELD}. */
function commonField(s: string, start: number): number {
  const first = s.charCodeAt(start);
  if (first === CHAR_d) {
    return s.charCodeAt(start + 1) === CHAR_a &&
      s.charCodeAt(start + 2) === CHAR_t &&
      s.charCodeAt(start + 3) === CHAR_a &&
      s.charCodeAt(start + 4) === COLON
      ? DATA_FIELD
      : OTHER_FIELD;
  }
  if (first === CHAR_e) {
    return s.charCodeAt(start + 1) === CHAR_v &&
      s.charCodeAt(start + 2) === CHAR_e &&
      s.charCodeAt(start + 3) === CHAR_n &&
      s.charCodeAt(start + 4) === CHAR_t &&
      s.charCodeAt(start + 5) === COLON
      ? EVENT_FIELD
      : OTHER_FIELD;
  }
  if (first === CHAR_i) {
    return s.charCodeAt(start + 1) === CHAR_d && s.charCodeAt(start + 2) === COLON ? ID_FIELD : OTHER_FIELD;
  }
  return OTHER_FIELD;
}

/** The index of the first colon in `s[start, end)`, or `end`. Bounded by the line, so never quadratic. */
function indexOfColon(s: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === COLON) return i;
  return end;
}

/**
 * Where the value starts, given the index just past the colon.
 * spec(§9.2.6): if the value starts with a space, remove that one space.
 */
function valueStart(s: string, afterColon: number, end: number): number {
  if (afterColon > end) return end;
  return afterColon < end && s.charCodeAt(afterColon) === SPACE ? afterColon + 1 : afterColon;
}

function isAsciiDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
