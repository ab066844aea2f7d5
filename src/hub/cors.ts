/**
 * CORS for the hub endpoint. Closed by default. An allowed origin may send cookies (the
 * `mercureAuthorization` cookie of browsers); `*` allows any origin without credentials, as browsers
 * require. An origin may end in `:*` — `http://localhost:*` — for any port of that host (`origin-match.ts`);
 * `hotline serve --dev` allows every loopback one this way.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOriginMatcher } from './origin-match.js';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID, Cache-Control';

export interface Cors {
  /** The CORS headers for this request's origin; empty when it has none or it is not allowed. */
  headersFor(req: IncomingMessage): Record<string, string>;
  /** Answers a preflight request. */
  preflight(req: IncomingMessage, res: ServerResponse): void;
}

export function createCors(allowedOrigins: readonly string[]): Cors {
  const allowed = createOriginMatcher(allowedOrigins);
  const anyOrigin = allowedOrigins.includes('*');

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
