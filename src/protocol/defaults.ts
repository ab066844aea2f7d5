/**
 * Defaults of `hotline/protocol`, in one place.
 * @module
 */

export const PARSER_DEFAULTS = Object.freeze({
  /**
   * The largest event (and line) the parser accepts, in UTF-8 bytes; see `ParserOptions.maxEventBytes`.
   * 1 MiB: the hub's default `maxPublishBytes`, and far above what a browser tab should hold per event.
   */
  maxEventBytes: 1024 * 1024,
});
