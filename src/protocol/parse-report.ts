/**
 * The parser's error plumbing: callbacks run so that one that throws never stops the parse, and ignored
 * input is reported to `onError` as a {@link ParseError}. Kept apart from the parser's hot loop, which only
 * calls these on comments, ids, `retry`, dispatch and the rare bad line.
 * @module
 */
import { HotlineError } from '../errors.js';
import { PARSE_ERROR_VALUE_MAX_CHARS, ParseError, type ParseErrorCode } from './parse-error.js';
import type { ParserCallbacks } from './types.js';

/** Plain functions over one closure (no `this`), so the parser can hold them in locals. */
export interface ParseReporter {
  /** Calls `callback(value)`; a throw is reported to `onError` or deferred to {@link rethrowDeferred}. */
  safely<T>(callback: (value: T) => void, value: T): void;
  /** A callback threw `cause`. */
  callbackFailed(cause: unknown): void;
  /** Reports ignored input; the line `s[start, end)` is sliced only when there is an `onError` to see it. */
  report(
    code: ParseErrorCode,
    message: string,
    field: string,
    value: string,
    s?: string,
    start?: number,
    end?: number,
  ): void;
  tooLarge(message: string, field: string, value: string): void;
  /** Without `onError`, throws the first callback error since the last call, once the chunk is parsed. */
  rethrowDeferred(): void;
}

export function createParseReporter(onError: ParserCallbacks['onError']): ParseReporter {
  let deferredError: unknown;
  let hasDeferredError = false;

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
    code: ParseErrorCode,
    message: string,
    field: string,
    value: string,
    s?: string,
    start = 0,
    end = 0,
  ): void {
    if (onError === undefined) return;
    const lineEnd = Math.min(end, start + PARSE_ERROR_VALUE_MAX_CHARS + 1);
    const line = s === undefined ? undefined : s.slice(start, lineEnd);
    onError(new ParseError(code, message, { field, value, line }));
  }

  function tooLarge(message: string, field: string, value: string): void {
    report('HOTLINE_PARSE_EVENT_TOO_LARGE', message, field, value);
  }

  function rethrowDeferred(): void {
    if (!hasDeferredError) return;
    const error = deferredError;
    hasDeferredError = false;
    deferredError = undefined;
    throw error;
  }

  return { safely, callbackFailed, report, tooLarge, rethrowDeferred };
}
