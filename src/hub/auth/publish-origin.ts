/**
 * Cross-site request forgery defence for publishes authorized by a cookie (`mercureAuthorization`, 0.x, or
 * `mercureAccessToken`, 1.0). A browser attaches that cookie to every request to the hub, whichever page makes it — also a page on
 * another port of the same host, since cookies ignore ports (RFC 6265 §8.5) and such a page is even
 * "same-site" for `SameSite`. So a cookie publish must show where it comes from.
 *
 * spec(Mercure §Security Considerations): with cookie authorization, hubs "SHOULD also use the `Origin` and
 * `Referer` HTTP headers to verify that the source origin matches the target origin. If neither header is
 * available, the hub SHOULD reject the request."
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { HttpRejection } from '../http-errors.js';
import { createOriginMatcher } from '../origin-match.js';
import { requestHost } from '../request-url.js';

/** Throws `403 HOTLINE_HUB_FORBIDDEN_ORIGIN` unless the request comes from an accepted origin. */
export type PublishOriginCheck = (headers: IncomingHttpHeaders) => void;

/** Longest origin echoed back in an error message, in characters (the header is the client's own). */
const MAX_ECHOED = 200;

/**
 * Accepts the hub's own origin and every origin of `publishOrigins` (`*` accepts any: no check; an origin
 * ending in `:*` accepts any port of its host).
 *
 * The hub's own origin is the `Origin` whose host and port are the request's `Host`. That is safe to trust
 * because a page cannot set `Host` (a forbidden request header): a browser writes the host of the URL it
 * requests, so a foreign page's request says `Host: <the hub>` with `Origin: <the page>`, which differ. A
 * client that is not a browser can forge both, but it does not hold the victim's cookie. A DNS-rebinding
 * page (`Host: evil.example` and `Origin: http://evil.example`) matches, but the browser sends it the
 * cookies of `evil.example`, never the hub's. Schemes are not compared: behind a TLS-terminating proxy the
 * page is `https:` and the hub hears plain HTTP with the same `Host`.
 */
export function createPublishOriginCheck(publishOrigins: readonly string[]): PublishOriginCheck {
  if (publishOrigins.includes('*')) return () => {};
  // Exact origins are normalized as the request's are; `http://localhost:*` stays a pattern.
  const allowed = createOriginMatcher(
    publishOrigins.map((origin) => (origin.endsWith(':*') ? origin : new URL(origin).origin)),
  );
  return (headers) => {
    const origin = requestOrigin(headers);
    if (origin === undefined) {
      throw forbidden(
        'a publish authorized by a cookie (mercureAccessToken, mercureAuthorization) needs an Origin or Referer header; ' +
          'send the token in the Authorization header instead',
      );
    }
    if (allowed(origin) || sameHost(origin, requestHost(headers))) return;
    const shown = origin.length > MAX_ECHOED ? `${origin.slice(0, MAX_ECHOED)}…` : origin;
    throw forbidden(
      `a publish authorized by a cookie (mercureAccessToken, mercureAuthorization) is not accepted from ${JSON.stringify(shown)}; ` +
        'the hub accepts its own origin and its publish origins (--publish-origin)',
    );
  };
}

/** The request's origin: its `Origin` header, else the origin of its `Referer`; `undefined` with neither. */
function requestOrigin(headers: IncomingHttpHeaders): string | undefined {
  const origin = headers.origin;
  // `null` is an opaque origin (a sandboxed frame, a file: page, a redirect across sites): it matches nothing,
  // and the Referer is not consulted, since the browser chose to hide where the request comes from.
  if (origin !== undefined && origin !== '') return origin === 'null' ? origin : normalize(origin);
  const referer = headers.referer;
  if (referer === undefined || referer === '') return undefined;
  return normalize(referer);
}

/** The serialized origin of a URL (lower-case, default port dropped), or the text itself if it is not one. */
function normalize(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** True when the origin's host and port are the `Host` header's (a missing port is the scheme's default). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined || host === '' || /[/?#@\\]/.test(host)) return false;
  let page: URL;
  let target: URL;
  try {
    page = new URL(origin);
    // Parsed with the page's scheme, so `Host: example.com` and `Host: example.com:443` both match
    // `https://example.com`, the way the browser wrote them.
    target = new URL(`${page.protocol}//${host}`);
  } catch {
    return false;
  }
  return page.origin !== 'null' && target.host === page.host;
}

function forbidden(message: string): HttpRejection {
  return new HttpRejection(403, 'HOTLINE_HUB_FORBIDDEN_ORIGIN', message);
}
