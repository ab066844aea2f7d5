/**
 * RFC 6750 §3 error responses: the `WWW-Authenticate: Bearer` challenge that goes with every refusal of a
 * request for its token, added to the hub's JSON error body (0.x clients see only a header more).
 *
 * spec(Mercure 1.0 §Error Responses): "If no access token is presented and the requested operation requires
 * one […], the hub MUST return a 401 "Unauthorized" status code with a `WWW-Authenticate: Bearer` challenge
 * and MUST NOT include an error code. The challenge SHOULD include a `resource_metadata` parameter";
 * "If a token is presented but fails validation […] the hub MUST return a 401 status code with
 * `error="invalid_token"`"; "If a valid token does not authorize the requested operation, the hub MUST
 * return a 403 "Forbidden" status code with `error="insufficient_scope"`"; "If the request is malformed,
 * the hub MUST return a 400 "Bad Request" status code with `error="invalid_request"`."
 * @module
 */
import { HttpRejection } from '../http-errors.js';

/** The RFC 6750 §3.1 error codes. */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

const WWW_AUTHENTICATE = 'WWW-Authenticate';

/**
 * The challenge: `Bearer`, then the error code if any, then `resource_metadata` (RFC 9728 §5.1) when the
 * hub publishes its metadata. No `error_description`: the JSON body says what was wrong.
 */
export function bearerChallenge(error: BearerError | undefined, resourceMetadata: string | undefined): string {
  const parameters: string[] = [];
  if (error !== undefined) parameters.push(`error="${error}"`);
  // A quoted-string (RFC 9110 §5.6.4): a URL's query may keep a `\`, which must be escaped like `"`.
  if (resourceMetadata !== undefined)
    parameters.push(`resource_metadata="${resourceMetadata.replace(/["\\]/g, '\\$&')}"`);
  return parameters.length === 0 ? 'Bearer' : `Bearer ${parameters.join(', ')}`;
}

/** `rejection` with a challenge, unless it has one already (the first, most precise, wins). */
export function withChallenge(rejection: HttpRejection, challenge: string): HttpRejection {
  if (WWW_AUTHENTICATE in rejection.headers) return rejection;
  return new HttpRejection(rejection.status, rejection.code, rejection.message, {
    cause: rejection.cause,
    headers: { ...rejection.headers, [WWW_AUTHENTICATE]: challenge },
  });
}

/** A 403 for a valid token that does not grant what the request asks. */
export function insufficientScope(message: string): HttpRejection {
  return new HttpRejection(403, 'HOTLINE_HUB_FORBIDDEN', message, {
    headers: { [WWW_AUTHENTICATE]: bearerChallenge('insufficient_scope', undefined) },
  });
}
