/**
 * The request target as a URL. HTTP/1.1 lets a client send any target (origin form `/path?q`, absolute
 * form `http://host/path`, `*`), and node:http passes it through unparsed; the ones `new URL` refuses are
 * the client's mistake, so they get a 400, not a 500.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { HttpRejection } from './http-errors.js';

/** The base an origin-form target resolves against; only the path and query are ever read. */
const BASE = 'http://hub.invalid';

/** Parses `req.url`, or throws a 400 `HOTLINE_HUB_INVALID_URL`. */
export function requestUrl(req: Pick<IncomingMessage, 'url'>): URL {
  try {
    return new URL(req.url ?? '/', BASE);
  } catch {
    // No `cause`: Node's URL error keeps the whole target (and any token in its query) as `input`.
    throw invalidUrl('the request target is not a valid URL');
  }
}

/** `decodeURIComponent` for a path segment, or a 400 `HOTLINE_HUB_INVALID_URL` naming what was bad. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidUrl('a path segment holds a percent-escape that is not valid UTF-8');
  }
}

function invalidUrl(message: string): HttpRejection {
  return new HttpRejection(400, 'HOTLINE_HUB_INVALID_URL', message);
}
