/**
 * Reading the parts of one line without slicing it: which common field starts it, where its colon and
 * value are. Used by the parser's hot loop.
 * @module
 */
import { CHAR_a, CHAR_d, CHAR_e, CHAR_i, CHAR_n, CHAR_t, CHAR_v, COLON, DIGIT_0, DIGIT_9, SPACE } from './constants.js';

/** Results of {@link commonField}. */
export const OTHER_FIELD = 0;
export const DATA_FIELD = 1;
export const EVENT_FIELD = 2;
export const ID_FIELD = 3;

/** Which of `data:`, `event:` or `id:` (colon included) starts at `start`, else {@link OTHER_FIELD}. */
export function commonField(s: string, start: number): number {
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
export function indexOfColon(s: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === COLON) return i;
  return end;
}

/**
 * Where the value starts, given the index just past the colon.
 * spec(§9.2.6): if the value starts with a space, remove that one space.
 */
export function valueStart(s: string, afterColon: number, end: number): number {
  if (afterColon > end) return end;
  return afterColon < end && s.charCodeAt(afterColon) === SPACE ? afterColon + 1 : afterColon;
}

export function isAsciiDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
