/**
 * Who may open the dashboard stream: a request whose token the hub verifies (`host.authorizeAdmin`) AND
 * whose `mercure.publish` claim is `["*"]`-wide. The stream lists every topic, private ones included, so a
 * subscriber token signed with the same key — such as the demo user's — must not be enough.
 *
 * The dashboard sends the token in an `Authorization: Bearer` header; the `authorization` query parameter
 * (and the cookie) are still accepted, by the same Mercure lookup as every other route.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { decodeJwt, type JWTPayload } from 'jose';
import { findToken } from '../auth/index.js';
import type { DashboardHost } from '../extension.js';
import { HttpError } from '../http-errors.js';

/**
 * Resolves for a verified token that may publish to every topic; otherwise throws a 401 {@link HttpError}
 * saying what is wrong with the token, so the operator knows whether to paste a new one or mint a wider one.
 */
export async function assertAdmin(
  host: Pick<DashboardHost, 'authorizeAdmin'>,
  req: IncomingMessage,
  url: URL,
): Promise<void> {
  // A malformed Authorization header throws its own 401 here, which names the problem.
  const token = findToken(req.headers, url.searchParams);
  if (token === undefined) throw refused('the dashboard stream needs a publisher JWT for "*" (Authorization: Bearer)');
  // The same token the host verifies (same lookup order), so once it is verified its claims can be read
  // without verifying again. A host that only checks the signature still gets no admin without "*".
  if ((await host.authorizeAdmin(req)) && publishesEverywhere(decode(token))) return;
  throw refused(whyRefused(token));
}

/**
 * Why a refused token was refused, read from its unverified claims: they only choose the message, never
 * the decision, and they tell nothing the holder of the token cannot read in it already.
 */
function whyRefused(token: string): string {
  const claims = decode(token);
  if (claims === undefined) return 'the token is not a JWT';
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return 'the token has expired';
  if (!publishesEverywhere(claims)) {
    return 'the token may not publish to every topic: the dashboard needs "mercure": {"publish": ["*"]}';
  }
  return 'the hub did not accept the token: it is not signed with the hub’s publisher key (or the hub has none), or not with an algorithm the hub accepts';
}

function decode(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

function publishesEverywhere(claims: JWTPayload | undefined): boolean {
  const mercure = claims?.mercure;
  if (typeof mercure !== 'object' || mercure === null) return false;
  const publish: unknown = (mercure as { publish?: unknown }).publish;
  return Array.isArray(publish) && publish.includes('*');
}

function refused(message: string): HttpError {
  return new HttpError(401, 'HOTLINE_HUB_UNAUTHORIZED', message);
}
