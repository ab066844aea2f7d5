/**
 * Where a request's credential is: the one place that knows the `Authorization` header, the query
 * parameters (`access_token`, Mercure 1.0; `authorization`, 0.x) and the cookies (`mercureAccessToken`,
 * 1.0; `mercureAuthorization`, 0.x), and their order.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { HttpRejection } from '../http-errors.js';
import type { AuthRequest, Credential } from './types.js';

/** The name of the cookie browsers use to send their token (Mercure 0.x). */
export const AUTH_COOKIE = 'mercureAuthorization';
/** The query parameter for clients that can set neither a header nor a cookie (Mercure 0.x). */
export const AUTH_QUERY_PARAMETER = 'authorization';
/**
 * The cookie name Mercure 1.0 recommends. spec(Mercure 1.0 §Cookie): "It is RECOMMENDED to name the cookie
 * `mercureAccessToken`".
 */
export const ACCESS_TOKEN_COOKIE = 'mercureAccessToken';
/** The RFC 6750 §2.3 query parameter (Mercure 1.0). */
export const ACCESS_TOKEN_QUERY_PARAMETER = 'access_token';

/**
 * Query parameters, then cookies, each generation's name first where both are sent. Every query parameter
 * comes before every cookie, which keeps both texts' rules at once — spec(Mercure 1.0 §Presenting the
 * Access Token): "if an `access_token` query parameter is present, it MUST be used and the cookie MUST be
 * ignored"; spec(Mercure §Authorization): "If an authorization query parameter is set by the client and no
 * Authorization HTTP header is presented, the content of the query parameter MUST be used; the content of
 * the cookie must be ignored." A stale cookie must not shadow the token the page put in the URL.
 */
const QUERY_PARAMETERS = [ACCESS_TOKEN_QUERY_PARAMETER, AUTH_QUERY_PARAMETER] as const;
const COOKIES = [ACCESS_TOKEN_COOKIE, AUTH_COOKIE] as const;

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
  const query = searchParams(request.url);
  for (const name of QUERY_PARAMETERS) {
    const token = query?.get(name) ?? '';
    if (token !== '') return { token, source: 'query' };
  }
  for (const name of COOKIES) {
    const token = readCookie(headers, name) ?? '';
    if (token !== '') return { token, source: 'cookie' };
  }
  return undefined;
}

function searchParams(target: string | undefined): URLSearchParams | undefined {
  if (target === undefined || !target.includes('?')) return undefined;
  try {
    return new URL(target, BASE).searchParams;
  } catch {
    // The routes refuse such a target with their own 400 before they authorize; here it simply has no query.
    return undefined;
  }
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
