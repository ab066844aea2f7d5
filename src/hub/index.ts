/**
 * `hotline/hub` — a Mercure-protocol pub/sub hub over SSE with durable history.
 * @module
 */

export type { HotlineErrorCode } from '../errors.js';
export { HotlineError, isHotlineError } from '../errors.js';
