/**
 * `hotline/server` — long-lived SSE responses and fan-out channels for node:http, Express, Fastify,
 * Hono and Web `Response` runtimes.
 * @module
 */

export type { EventFields } from '../protocol/index.js';
export { encodeEvent, formatComment, formatEvent } from '../protocol/index.js';
