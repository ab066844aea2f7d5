/**
 * The encoder: builds event-stream frames that every conforming receiver parses back byte-exact.
 * It refuses, with a {@link HotlineTypeError} naming the field, any value that would let a publisher
 * forge fields or frames.
 * @module
 */
import { HotlineTypeError } from '../errors.js';
import type { EventFields } from './types.js';

// spec(§9.2.6): CRLF, lone LF and lone CR all end a line, so each is a line break inside data.
const LINE_BREAK = /\r\n|\r|\n/;
const UNSAFE_EVENT = /[\r\n]/;
const UNSAFE_ID = /[\r\n\0]/;

const utf8 = new TextEncoder();

/**
 * One complete frame, ending in a blank line.
 *
 * Every value is written after `": "` (colon and one space) because the receiver strips exactly one
 * leading space: a value that itself starts with a space survives the round trip.
 *
 * @throws {HotlineTypeError} `event` with CR/LF, `id` with CR/LF/NUL, `retry` not a non-negative integer,
 *   or `data` that `JSON.stringify` cannot serialize.
 */
export function formatEvent(fields: EventFields): string {
  let frame = fields.comment === undefined ? '' : formatComment(fields.comment);
  if (fields.event !== undefined) frame += `event: ${checkEvent(fields.event)}\n`;
  if (fields.id !== undefined) frame += `id: ${checkId(fields.id)}\n`;
  if (fields.retry !== undefined) frame += `retry: ${checkRetry(fields.retry)}\n`;
  if (fields.data !== undefined) frame += formatData(fields.data);
  return `${frame}\n`;
}

/** {@link formatEvent} as UTF-8 bytes: serialize once, write the same bytes to every subscriber. */
export function encodeEvent(fields: EventFields): Uint8Array {
  return utf8.encode(formatEvent(fields));
}

/**
 * Comment lines (`: text`), one per line of `text`; receivers ignore them. Used for heartbeats and to
 * flush headers at the start of a stream. Not followed by a blank line: a comment is not an event.
 */
export function formatComment(text: string): string {
  if (!hasLineBreak(text)) return `: ${text}\n`;
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `: ${line}\n`;
  return out;
}

/** {@link formatComment} as UTF-8 bytes. */
export function encodeComment(text: string): Uint8Array {
  return utf8.encode(formatComment(text));
}

/** The `data:` lines of a frame, without the blank line that ends it. */
export function formatData(data: unknown): string {
  const text = typeof data === 'string' ? data : stringify(data);
  if (!hasLineBreak(text)) return `data: ${text}\n`;
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out;
}

function hasLineBreak(text: string): boolean {
  return text.indexOf('\n') !== -1 || text.indexOf('\r') !== -1;
}

function stringify(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (cause) {
    throw new HotlineTypeError('HOTLINE_INVALID_DATA', 'data', 'data cannot be serialized as JSON', { cause });
  }
  if (text === undefined) {
    throw new HotlineTypeError('HOTLINE_INVALID_DATA', 'data', `data of type ${typeof data} has no JSON form`);
  }
  return text;
}

/** Returns `event` when it cannot break out of its line. */
export function checkEvent(event: string): string {
  if (typeof event !== 'string' || UNSAFE_EVENT.test(event)) {
    throw new HotlineTypeError('HOTLINE_INVALID_FIELD', 'event', 'event must be a string without CR or LF');
  }
  return event;
}

/** Returns `id` when it cannot break out of its line and the receiver will not ignore it. */
export function checkId(id: string): string {
  // spec(§9.2.6): an id containing NUL is ignored by receivers, so writing one would lose the id silently.
  if (typeof id !== 'string' || UNSAFE_ID.test(id)) {
    throw new HotlineTypeError('HOTLINE_INVALID_FIELD', 'id', 'id must be a string without CR, LF or NUL');
  }
  return id;
}

/** Returns `retry` when it is a non-negative integer number of milliseconds. */
export function checkRetry(retry: number): number {
  // spec(§9.2.6): receivers accept retry only when the value is all ASCII digits.
  if (!Number.isSafeInteger(retry) || retry < 0) {
    throw new HotlineTypeError('HOTLINE_INVALID_RETRY', 'retry', 'retry must be a non-negative integer (ms)');
  }
  return retry;
}
