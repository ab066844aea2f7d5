/**
 * CORS for the hub endpoint. Closed by default. An allowed origin may send cookies (the
 * `mercureAuthorization` cookie of browsers); `*` allows any origin without credentials, as browsers
 * require. An origin may end in `:*` — `http://localhost:*` — to allow that scheme and host on any port:
 * development servers (Vite's 5173, webpack's 8080…) pick their port, and `hotline serve --dev` allows
 * every loopback one this way.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID, Cache-Control';

/** What `hotline serve --dev` allows: a page served from this machine on any port, as Mercure's dev mode does. */
export const LOOPBACK_ORIGINS: readonly string[] = Object.freeze([
  'http://localhost:*',
  'http://127.0.0.1:*',
  'http://[::1]:*',
]);

export interface Cors {
  /** The CORS headers for this request's origin; empty when it has none or it is not allowed. */
  headersFor(req: IncomingMessage): Record<string, string>;
  /** Answers a preflight request. */
  preflight(req: IncomingMessage, res: ServerResponse): void;
}

export function createCors(allowedOrigins: readonly string[]): Cors {
  const exact = new Set(allowedOrigins.filter((origin) => origin !== '*' && !origin.endsWith(':*')));
  // `http://localhost:*` is kept as `http://localhost`: an origin matches when it is that, or that plus `:<port>`.
  const anyPort = new Set(allowedOrigins.filter((origin) => origin.endsWith(':*')).map((o) => o.slice(0, -2)));
  const anyOrigin = allowedOrigins.includes('*');

  function allowed(origin: string): boolean {
    if (exact.has(origin)) return true;
    if (anyPort.size === 0) return false;
    // One split at the last colon after the host, no regular expression: an Origin header is attacker-chosen.
    const colon = origin.lastIndexOf(':');
    if (colon <= origin.indexOf('//') || origin.endsWith(']')) return anyPort.has(origin);
    const port = origin.slice(colon + 1);
    return port.length > 0 && port.length <= 5 && isDigits(port) && anyPort.has(origin.slice(0, colon));
  }

  function headersFor(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    if (allowed(origin)) {
      return {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Expose-Headers': 'Last-Event-ID',
        Vary: 'Origin',
      };
    }
    if (anyOrigin) return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Last-Event-ID' };
    return {};
  }

  return {
    headersFor,
    preflight(req, res) {
      const headers = headersFor(req);
      if (headers['Access-Control-Allow-Origin'] !== undefined) {
        headers['Access-Control-Allow-Methods'] = ALLOWED_METHODS;
        headers['Access-Control-Allow-Headers'] = ALLOWED_HEADERS;
        headers['Access-Control-Max-Age'] = '600';
      }
      res.writeHead(204, headers).end();
    },
  };
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
