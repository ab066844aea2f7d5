/**
 * Which origins a list allows, for CORS and for cookie publishes: exact origins (`https://app.example`),
 * and origins whose port is `*` (`http://localhost:*`: that scheme and host on any port, or none) — what
 * development servers need, since they pick their port (Vite's 5173, webpack's 8080…).
 * @module
 */

/** `http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`: pages on this machine, as `--dev` allows. */
export const LOOPBACK_ORIGINS: readonly string[] = Object.freeze([
  'http://localhost:*',
  'http://127.0.0.1:*',
  'http://[::1]:*',
]);

/** A predicate over serialized origins (`Origin` headers); `*` in the list is the caller's business. */
export function createOriginMatcher(origins: readonly string[]): (origin: string) => boolean {
  const exact = new Set<string>();
  // `http://localhost:*` is kept as `http://localhost`: an origin matches when it is that, or that plus `:<port>`.
  const anyPort = new Set<string>();
  for (const origin of origins) {
    if (origin === '*') continue;
    if (origin.endsWith(':*')) anyPort.add(origin.slice(0, -2).toLowerCase());
    else exact.add(origin);
  }
  return (origin) => exact.has(origin) || (anyPort.size > 0 && anyPort.has(withoutPort(origin)));
}

/**
 * `scheme://host` of `scheme://host:port`, or the origin as it is when it has no port. One split at the last
 * colon after the host, no regular expression: an `Origin` header is the client's to choose.
 */
function withoutPort(origin: string): string {
  const colon = origin.lastIndexOf(':');
  // The scheme's colon, or one inside `[::1]` with no port after the bracket: there is no port.
  if (colon <= origin.indexOf('//') || origin.endsWith(']')) return origin;
  const port = origin.slice(colon + 1);
  return port.length > 0 && port.length <= 5 && isDigits(port) ? origin.slice(0, colon) : origin;
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
