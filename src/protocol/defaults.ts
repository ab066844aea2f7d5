/**
 * Defaults of `hotline/protocol`, in one place.
 * @module
 */
import { HotlineTypeError } from '../errors.js';
import type { ParserOptions } from './types.js';

export const PARSER_DEFAULTS = Object.freeze({
  /**
   * The largest event (and line) the parser accepts, in UTF-8 bytes; see `ParserOptions.maxEventBytes`.
   * 1 MiB: the hub's default `maxPublishBytes`, and far above what a browser tab should hold per event.
   */
  maxEventBytes: 1024 * 1024,
});

/** The parser's bound in UTF-8 bytes, `Infinity` when it is off; an invalid value throws at once. */
export function maxEventBytesOf(options: ParserOptions): number {
  const option = options.maxEventBytes;
  if (option === undefined) return PARSER_DEFAULTS.maxEventBytes;
  if (option === 0 || option === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (Number.isSafeInteger(option) && option > 0) return option;
  throw new HotlineTypeError(
    'HOTLINE_PARSE_INVALID_OPTIONS',
    'maxEventBytes',
    'maxEventBytes must be a non-negative integer number of bytes, or Infinity',
  );
}
