/**
 * `hotline/client` — a WHATWG `EventSource` for any runtime with `fetch`, and a richer client with
 * headers, POST, abort, async iteration and backoff.
 * @module
 */

export type { ParsedEvent } from '../protocol/index.js';
export { createParser, iterateEvents } from '../protocol/index.js';
