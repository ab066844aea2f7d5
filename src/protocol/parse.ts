/**
 * The streaming event-stream parser: the WHATWG algorithm "Parsing an event stream" and "Interpreting an
 * event stream" (HTML §9.2.6), fed in chunks of any size, split anywhere.
 *
 * Performance notes (measured by `npm run bench:parser`): the parser scans only the newest chunk for line
 * ends (a partial line is joined once, when its end arrives), recognises the four field names by char
 * code without slicing the line, and caches the position of the next CR so that LF-only streams search for
 * CR once per chunk. That keeps it linear in the input whatever the chunking.
 *
 * The size bound (`maxEventBytes`) costs next to nothing: n UTF-16 code units are n to 3n UTF-8 bytes, so
 * only a line or an event longer than a third of the bound is counted exactly (an event each part once, so
 * in linear time), and the hot loop checks nothing when its whole text could not take the event past it.
 * @module
 */
import { BYTE_ORDER_MARK, COLON, CR, DEFAULT_EVENT_TYPE, LF } from './constants.js';
import { createUtf8StreamDecoder, type Utf8StreamDecoder, utf8Length } from './decode.js';
import { maxEventBytesOf } from './defaults.js';
import { commonField, DATA_FIELD, EVENT_FIELD, ID_FIELD, indexOfColon, OTHER_FIELD, valueStart } from './line.js';
import { PARSE_ERROR_VALUE_MAX_CHARS } from './parse-error.js';
import { createRareLineInterpreter } from './parse-rare-line.js';
import { createParseReporter } from './parse-report.js';
import type { EventStreamParser, ParsedEvent, ParserCallbacks, ParserOptions, ParserResetOptions } from './types.js';

/**
 * Creates a parser for one event stream at a time (call `reset()` between connections).
 *
 * The parser never throws on any input. A callback that throws is reported to `onError` when given;
 * without `onError`, the first such error is rethrown once the whole chunk has been parsed, so no
 * later event of the chunk is lost. It throws a `HotlineTypeError` at once for an invalid `maxEventBytes`.
 *
 * Why one long closure: the parser's state lives in local variables of this scope, as in eventsource-parser,
 * so the hot loop in `parseText` reads context slots rather than properties of an object on every line (a
 * class form has not been measured against it on `npm run bench:parser`). Each inner function does one thing;
 * the longest, `parseText`, is ~70 lines. The parts that read none of that state directly live in closures
 * of their own, destructured into locals here: error plumbing (`parse-report.ts`) and the rare lines —
 * comments, `retry`, unknown fields (`parse-rare-line.ts`).
 */
export function createParser(callbacks: ParserCallbacks, options: ParserOptions = {}): EventStreamParser {
  const { onEvent, onId, onRetry, onComment, onError } = callbacks;
  const { safely, callbackFailed, report, tooLarge, rethrowDeferred } = createParseReporter(onError);
  const interpretRareLine = createRareLineInterpreter({
    onComment,
    onRetry,
    safely,
    report,
    appendData,
    setEventType,
    setId,
  });
  const maxBytes = maxEventBytesOf(options);
  /** Text of at most this many code units is at most `maxBytes` UTF-8 bytes (3 bytes per code unit at most). */
  const sureUnits = Math.floor(maxBytes / 3);

  let decoder: Utf8StreamDecoder | undefined;
  let atStreamStart = true;
  /**
   * The start of a line whose end has not arrived yet. It is dropped once longer than the bound in code
   * units (so surely in bytes): at most 2 bytes of memory per byte of the bound, never counted as it grows.
   */
  let pendingLine = '';
  /** The line being read is past the bound: the rest of it is skipped up to its line end, never buffered. */
  let skippingLine = false;
  /** The previous chunk ended in CR: a LF opening this chunk belongs to the same line end. */
  let skipLeadingLF = false;

  let data = '';
  let dataLines = 0;
  let eventType = '';
  let lastEventId = options.lastEventId ?? '';
  /**
   * The spec's "last event ID string": the buffer as of the last blank line. An `id:` whose block never got
   * its blank line is pending in `lastEventId` only, and `reset()` drops it.
   */
  let committedId = lastEventId;
  /** How closely the event being built is watched: see {@link NORMAL}, {@link COUNTING}, {@link DISCARDING}. */
  let mode = NORMAL;
  // The UTF-8 sizes of the three buffers while COUNTING. The id's outlives the event, as the id does, so a
  // long id is not counted again for every event; it belongs to `countedId` (compared, so that setting an
  // id costs the hot loop nothing).
  let dataBytes = 0;
  let typeBytes = 0;
  let idBytes = 0;
  let countedId: string | undefined;

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
    rethrowDeferred();
  }

  function parseText(text: string, start: number): void {
    const length = text.length;
    let pos = start;
    let lf = text.indexOf('\n', pos);
    let cr = text.indexOf('\r', pos);
    if (pendingLine !== '' || skippingLine) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (end === -1) {
        if (skippingLine) return;
        const piece = pos === 0 ? text : text.slice(pos);
        // A rope concatenation: joining costs nothing until the line end arrives and the line is read once.
        pendingLine += piece;
        if (pendingLine.length > maxBytes) skipPendingLine();
        return;
      }
      if (skippingLine) skippingLine = false;
      else endPendingLine(text.slice(pos, end));
      pos = afterLineEnd(text, end);
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
    }
    // One search per line end kind, and the three common fields handled right here — the engine does not
    // inline interpretLine into this loop, and the call costs ~15% (measured with bench/parser.ts). Lines that
    // end before `budgetEnd` cannot take the event past the bound (an event grows by at most the text read),
    // so they are not measured at all (checks per line cost 5–10%); a line past it, or any line of an event
    // that is being counted or discarded, goes through interpretLine's checked path, and the budget is
    // measured again from there.
    let budgetEnd = mode === NORMAL ? pos + sureUnits - (data.length + eventType.length + lastEventId.length) : -1;
    for (;;) {
      let end: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        if (lf === -1) break;
        end = lf;
      } else end = cr;
      if (end >= budgetEnd) {
        if (mode === NORMAL) budgetEnd = pos + sureUnits - (data.length + eventType.length + lastEventId.length);
        if (end >= budgetEnd) {
          if (end - pos > sureUnits && tooLong(text, pos, end)) overlongLine(text, pos, end);
          else interpretLine(text, pos, end);
          pos = afterLineEnd(text, end);
          if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
          if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
          budgetEnd = mode === NORMAL ? pos + sureUnits - (data.length + eventType.length + lastEventId.length) : -1;
          continue;
        }
      }
      switch (pos === end ? OTHER_FIELD : commonField(text, pos)) {
        case DATA_FIELD:
          appendDataUnchecked(text.slice(valueStart(text, pos + 5, end), end));
          break;
        case EVENT_FIELD:
          // spec(§9.2.6): "event" sets the event type buffer.
          eventType = text.slice(valueStart(text, pos + 6, end), end);
          break;
        case ID_FIELD:
          setIdUnchecked(text.slice(valueStart(text, pos + 3, end), end));
          break;
        default:
          interpretLine(text, pos, end);
      }
      if (end === lf) {
        pos = lf + 1;
        // Most lines are followed by the blank line that ends the event: dispatch without a search.
        if (text.charCodeAt(pos) === LF) {
          dispatch();
          pos++;
        }
        lf = text.indexOf('\n', pos);
      } else if (text.charCodeAt(cr + 1) === LF) {
        // CRLF, as LF above: the blank line that ends the event dispatches without a search.
        pos = cr + 2;
        if (text.charCodeAt(pos) === CR && text.charCodeAt(pos + 1) === LF) {
          dispatch();
          pos += 2;
        }
        lf = text.indexOf('\n', pos);
        cr = text.indexOf('\r', pos);
      } else {
        pos = afterLineEnd(text, cr);
        if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
        cr = text.indexOf('\r', pos);
      }
    }
    if (pos < length) {
      pendingLine = pos === 0 ? text : text.slice(pos);
      if (pendingLine.length > maxBytes) skipPendingLine();
    }
  }

  function skipPendingLine(): void {
    const line = pendingLine;
    pendingLine = '';
    skippingLine = true;
    overlongLine(line, 0, line.length);
  }

  function endPendingLine(tail: string): void {
    const line = pendingLine + tail;
    pendingLine = '';
    if (line.length > sureUnits && tooLong(line, 0, line.length)) overlongLine(line, 0, line.length);
    else interpretLine(line, 0, line.length);
  }

  function tooLong(s: string, start: number, end: number): boolean {
    return end - start > maxBytes || utf8Length(s, start, end) > maxBytes;
  }

  /**
   * A line `s[start, end)` past the bound: a comment is dropped alone; a field line takes its event down
   * with it. The error names the line's head only: a chunked line is dropped once it holds `maxBytes` code
   * units, so its first `maxBytes` are what every chunking of the same line has.
   */
  function overlongLine(s: string, start: number, end: number): void {
    const headEnd = Math.min(end, start + Math.min(maxBytes, 2 * PARSE_ERROR_VALUE_MAX_CHARS));
    if (s.charCodeAt(start) === COLON) {
      const comment = s.slice(valueStart(s, start + 1, headEnd), headEnd);
      tooLarge(`a comment line is longer than ${maxBytes} bytes; ignored`, '', comment);
      return;
    }
    const colon = indexOfColon(s, start, headEnd);
    const field = s.slice(start, colon);
    const value = colon === headEnd ? '' : s.slice(valueStart(s, colon + 1, headEnd), headEnd);
    discardEvent(`a line is longer than ${maxBytes} bytes; its event is discarded`, field, value);
  }

  /** Drops the event being built up to its blank line, with one error per event. */
  function discardEvent(message: string, field: string, value: string): void {
    const reported = mode === DISCARDING;
    mode = DISCARDING;
    data = '';
    dataLines = 0;
    eventType = '';
    if (!reported) tooLarge(message, field, value);
  }

  /** The event may be past the bound: from now on until its dispatch it is counted in bytes, each part once. */
  function startCounting(field: string, value: string): void {
    mode = COUNTING;
    dataBytes = utf8Length(data);
    typeBytes = utf8Length(eventType);
    if (countedId !== lastEventId) {
      countedId = lastEventId;
      idBytes = utf8Length(lastEventId);
    }
    checkEventBytes(field, value);
  }

  /** `field` and `value` are the line that was just added, named by the error if it took the event past. */
  function checkEventBytes(field: string, value: string): void {
    if (dataBytes + typeBytes + idBytes > maxBytes) {
      discardEvent(`an event grew past ${maxBytes} bytes; discarded`, field, value);
    }
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
        setEventType(s.slice(valueStart(s, start + 6, end), end));
        return;
      case ID_FIELD:
        setId(s.slice(valueStart(s, start + 3, end), end));
        return;
      default:
        interpretRareLine(s, start, end);
    }
  }

  function appendData(value: string): void {
    if (mode === DISCARDING) return;
    appendDataUnchecked(value);
    if (mode === COUNTING) {
      dataBytes += utf8Length(value) + (dataLines === 1 ? 0 : 1);
      checkEventBytes('data', value);
    } else if (data.length + eventType.length + lastEventId.length > sureUnits) startCounting('data', value);
  }

  /** For the hot loop, which has made sure that the event stays within the bound. */
  function appendDataUnchecked(value: string): void {
    // spec(§9.2.6): append the value then a LF to the data buffer; the final LF is removed at dispatch,
    // so joining with LF between lines builds the same string without the trim.
    data = dataLines === 0 ? value : `${data}\n${value}`;
    dataLines++;
  }

  function setEventType(value: string): void {
    if (mode === DISCARDING) return;
    // spec(§9.2.6): "event" sets the event type buffer.
    eventType = value;
    if (mode === COUNTING) {
      typeBytes = utf8Length(value);
      checkEventBytes('event', value);
    } else if (data.length + value.length + lastEventId.length > sureUnits) startCounting('event', value);
  }

  function setId(value: string): void {
    if (!setIdUnchecked(value)) return;
    if (mode === COUNTING) {
      countedId = value;
      idBytes = utf8Length(value);
      checkEventBytes('id', value);
    } else if (mode === NORMAL && data.length + eventType.length + value.length > sureUnits) {
      startCounting('id', value);
    }
  }

  /** For the hot loop, which has made sure that the event stays within the bound. False if the id was ignored. */
  function setIdUnchecked(value: string): boolean {
    // spec(§9.2.6): if the field value does not contain U+0000 NULL, set the last event ID buffer.
    if (value.indexOf('\0') === -1) {
      lastEventId = value;
      return true;
    }
    report('HOTLINE_PARSE_INVALID_ID', 'id field contains NUL; ignored', 'id', value);
    return false;
  }

  function dispatch(): void {
    // spec(§9.2.6): "Set the last event ID string of the event source to the value of the last event ID
    // buffer" — at every blank line, before the empty-data check, so an id-only block commits its id.
    if (lastEventId !== committedId) commitId();
    // spec(§9.2.6): if the data buffer is empty, reset the data and event type buffers and return.
    if (dataLines === 0) {
      eventType = '';
      // A discarded event holds no data: its blank line ends it here.
      mode = NORMAL;
      return;
    }
    const event: ParsedEvent = { type: eventType === '' ? DEFAULT_EVENT_TYPE : eventType, data, lastEventId };
    data = '';
    dataLines = 0;
    eventType = '';
    mode = NORMAL;
    try {
      onEvent(event);
    } catch (cause) {
      callbackFailed(cause);
    }
  }

  function commitId(): void {
    committedId = lastEventId;
    if (onId !== undefined) safely(onId, committedId);
  }

  function reset(resetOptions: ParserResetOptions = {}): void {
    // spec(§9.2.6): at the end of a stream, pending data and a partial event are discarded.
    decoder = undefined;
    atStreamStart = true;
    pendingLine = '';
    skippingLine = false;
    skipLeadingLF = false;
    data = '';
    dataLines = 0;
    eventType = '';
    mode = NORMAL;
    // spec(§9.2.6): "If the file ends in the middle of an event, before the final empty line, the incomplete
    // event is not dispatched": its `id:` never reached the last event ID string, so it is dropped too.
    lastEventId = resetOptions.lastEventId ?? committedId;
    committedId = lastEventId;
  }

  return {
    feed,
    reset,
    get lastEventId() {
      return lastEventId;
    },
  };
}

/** The event is checked in UTF-16 code units only: it is too short to be past the bound. */
const NORMAL = 0;
/** The event may be near the bound: its parts are counted in UTF-8 bytes until its dispatch. */
const COUNTING = 1;
/** The event is past the bound: its `data` and `event` lines are dropped up to its blank line, no dispatch. */
const DISCARDING = 2;
