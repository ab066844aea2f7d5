/**
 * The lines of an event stream that are not `data:`, `event:` or `id:` (HTML §9.2.6 "Interpreting an event
 * stream"): comments, `retry`, fields without a colon, and unknown fields. They are rare, so they live out of
 * the parser's closure; the parser calls the function this builds exactly where it called its own before.
 * @module
 */
import { COLON } from './constants.js';
import { indexOfColon, isAsciiDigits, quote, valueStart } from './line.js';
import type { ParseReporter } from './parse-report.js';
import type { ParserCallbacks } from './types.js';

/** What the parser lends: its field setters (which watch `maxEventBytes`) and its reporter. */
export interface RareLineTarget {
  onComment: ParserCallbacks['onComment'];
  onRetry: ParserCallbacks['onRetry'];
  safely: ParseReporter['safely'];
  report: ParseReporter['report'];
  appendData(value: string): void;
  setEventType(value: string): void;
  setId(value: string): void;
}

/** Builds `interpretRareLine(s, start, end)` for the line `s[start, end)`, which has no line end in it. */
export function createRareLineInterpreter(target: RareLineTarget): (s: string, start: number, end: number) => void {
  // Locals, not `target.x`: the closure reads context slots, as the parser's own functions do.
  const { onComment, onRetry, safely, report, appendData, setEventType, setId } = target;

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
        setEventType(value);
        return;
      case 'id':
        setId(value);
        return;
      case 'retry':
        setRetry(value, s, start, end);
        return;
      default:
        report('HOTLINE_PARSE_UNKNOWN_FIELD', `unknown field ${quote(name)}; ignored`, name, value, s, start, end);
    }
  }

  /** `s[start, end)` is the line, for the error. */
  function setRetry(value: string, s: string, start: number, end: number): void {
    // spec(§9.2.6): if the field value consists of only ASCII digits, set the reconnection time.
    if (isAsciiDigits(value)) {
      if (onRetry !== undefined) safely(onRetry, Number.parseInt(value, 10));
      return;
    }
    const message = `retry value ${quote(value)} is not all ASCII digits; ignored`;
    report('HOTLINE_PARSE_INVALID_RETRY', message, 'retry', value, s, start, end);
  }

  return interpretRareLine;
}
