/**
 * The request target as a URL. HTTP/1.1 lets a client send any target (origin form `/path?q`, absolute
 * form `http://host/path`, `*`), and node:http passes it through unparsed; the ones `new URL` refuses are
 * the client's mistake, so they get a 400, not a 500.
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
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

/**
 * The host the request names: its `Host` header on HTTP/1.1; HTTP/2 carries it as the `:authority`
 * pseudo-header instead (RFC 9113 §8.3.1), which node:http2 does not copy into `host`.
 */
export function requestHost(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host ?? headers[':authority'];
  return typeof host === 'string' ? host : undefined;
}

/** The hub's path: spec(Mercure §Discovery) the hub URL is `/.well-known/mercure` on the hub's origin. */
const HUB_PATH = '/.well-known/mercure';

/**
 * The hub's URL as this request reached it: its origin (`Host`, and `https` over TLS) and the hub path.
 * spec(Mercure 1.0 §URL Pattern): "When evaluating a relative pattern or a relative topic, the hub MUST use
 * the hub's URL as the base URL." A `Host` that is not a valid authority falls back to `localhost`: the
 * base only resolves relative strings, and a client that sends a bad `Host` only changes its own matches.
 */
export function hubUrl(req: Pick<IncomingMessage, 'headers' | 'socket'>): string {
  const scheme = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http';
  const host = requestHost(req.headers);
  // Only a host and port: no user info, path, query or fragment can ride in on the header.
  if (host !== undefined && /^[\w.-]+(?::\d+)?$|^\[[\da-fA-F:.]+\](?::\d+)?$/.test(host)) {
    try {
      return `${new URL(`${scheme}://${host}`).origin}${HUB_PATH}`;
    } catch {
      // Not a valid host (a port past 65535, say): the fallback below.
    }
  }
  return `${scheme}://localhost${HUB_PATH}`;
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
