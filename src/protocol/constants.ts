/**
 * Character codes and field names of the event-stream format, each named once.
 * spec(§9.2.6): the stream is a sequence of lines ending in CRLF, LF or CR; fields are `name:value`.
 * @module
 */

export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const COLON = 0x3a;
export const NUL = 0x00;
export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;
/** spec(§9.2.6): one U+FEFF BYTE ORDER MARK at the start of the stream is ignored. */
export const BYTE_ORDER_MARK = 0xfeff;

// Lower-case letters used to recognise the four field names without slicing the line.
export const CHAR_a = 0x61;
export const CHAR_d = 0x64;
export const CHAR_e = 0x65;
export const CHAR_i = 0x69;
export const CHAR_n = 0x6e;
export const CHAR_t = 0x74;
export const CHAR_v = 0x76;

/** spec(§9.2.6): an event without an `event` field is dispatched with type `message`. */
export const DEFAULT_EVENT_TYPE = 'message';

/** The MIME type of an event stream. */
export const EVENT_STREAM_MIME_TYPE = 'text/event-stream';
