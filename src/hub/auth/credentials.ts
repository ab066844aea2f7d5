/**
 * Where a request's credential is: the one place that knows the `Authorization` header, the
 * `authorization` query parameter and the `mercureAuthorization` cookie, and their order.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { HttpRejection } from '../http-errors.js';
import type { AuthRequest, Credential } from './types.js';

/** The name of the cookie browsers use to send their token (Mercure). */
export const AUTH_COOKIE = 'mercureAuthorization';
/** The query parameter for clients that can set neither a header nor a cookie (Mercure). */
export const AUTH_QUERY_PARAMETER = 'authorization';

/** The base an origin-form target resolves against; only the query is read. */
const BASE = 'http://hub.invalid';

/**
 * The request's credential, or `undefined` when it carries none. An `Authorization` header that is not
 * `Bearer <token>` is refused (401) rather than passed over: the client meant to authenticate.
 */
export function locateCredential(request: AuthRequest): Credential | undefined {
  const headers = request.headers;
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null)
      throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'the Authorization header is not "Bearer <token>"');
    return { token: match[1]!, source: 'header' };
  }
  // spec(Mercure §Authorization): "If an authorization query parameter is set by the client and no
  // Authorization HTTP header is presented, the content of the query parameter MUST be used; the content of
  // the cookie must be ignored." A stale cookie must not shadow the token the page put in the URL.
  const fromQuery = queryParameter(request.url, AUTH_QUERY_PARAMETER);
  if (fromQuery !== undefined && fromQuery !== '') return { token: fromQuery, source: 'query' };
  const cookie = readCookie(headers, AUTH_COOKIE);
  return cookie === undefined || cookie === '' ? undefined : { token: cookie, source: 'cookie' };
}

function queryParameter(target: string | undefined, name: string): string | undefined {
  if (target === undefined || !target.includes('?')) return undefined;
  let url: URL;
  try {
    url = new URL(target, BASE);
  } catch {
    // The routes refuse such a target with their own 400 before they authorize; here it simply has no query.
    return undefined;
  }
  return url.searchParams.get(name) ?? undefined;
}

function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}
