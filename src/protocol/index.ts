/**
 * `hotline/protocol` — the spec-exact Server-Sent Events encoder and streaming parser
 * (WHATWG HTML, "Server-sent events"). Pure: no I/O and no Node-only API, so it runs in any runtime.
 * @module
 */

export type { HotlineErrorCode } from '../errors.js';
export { HotlineError, HotlineTypeError, isHotlineError } from '../errors.js';
export { DEFAULT_EVENT_TYPE, EVENT_STREAM_MIME_TYPE } from './constants.js';
export { PARSER_DEFAULTS } from './defaults.js';
export {
  checkEvent,
  checkId,
  checkRetry,
  encodeComment,
  encodeEvent,
  formatComment,
  formatData,
  formatEvent,
} from './encode.js';
export { createParser } from './parse.js';
export type { ParseErrorCode, ParseErrorDetails } from './parse-error.js';
export { PARSE_ERROR_VALUE_MAX_CHARS, ParseError } from './parse-error.js';
export type {
  EventSchemas,
  InferInput,
  InferOutput,
  StandardIssue,
  StandardResult,
  StandardSchemaProps,
  StandardSchemaV1,
} from './standard-schema.js';
export { SchemaError, typedEventData, validateEvent } from './standard-schema.js';
export type { StreamParserCallbacks } from './stream.js';
export { EventStreamParserStream, iterateEvents } from './stream.js';
export type {
  EventFields,
  EventStreamParser,
  ParsedEvent,
  ParserCallbacks,
  ParserOptions,
  ParserResetOptions,
} from './types.js';
export {
  announcedHeartbeatMs,
  helloComment,
  RESET_EVENT_TYPE,
  STATE_END_COMMENT,
  STATE_PARAMETER,
  type StateValue,
} from './wire.js';
