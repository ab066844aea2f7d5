/**
 * `authorize(request, action)`: the one place a request's rights are decided. It finds the credential
 * (header, then query, then cookie), answers a request without one (anonymous subscribers when allowed),
 * runs the cross-site request forgery check of cookie publishes, and asks the scheme (an {@link Authorizer})
 * what the credential may do. Every route and the dashboard call it; a new scheme touches none of them.
 * @module
 */
import { HttpRejection } from '../http-errors.js';
import { bearerChallenge, withChallenge } from './bearer-challenge.js';
import { locateCredential } from './credentials.js';
import { createPublishOriginCheck } from './publish-origin.js';
import type { AuthAction, Authorizer, AuthRequest, Grant } from './types.js';

/** Decides what a request may do; throws a 401 or 403 `HttpRejection` saying why it may not. */
export type Authorize = (request: AuthRequest, action: AuthAction) => Promise<Grant>;

/** What a request without a credential gets when anonymous subscribers are allowed: public updates only. */
export const ANONYMOUS: Grant = Object.freeze({
  publish: Object.freeze([]),
  subscribe: Object.freeze([]),
  admin: false,
  payload: undefined,
  exp: undefined,
  source: undefined,
});

/** Options of {@link createAuthorize}. */
export interface AuthorizeOptions {
  /** The scheme that checks credentials. */
  readonly authorizer: Authorizer;
  /** Let a request without a credential subscribe (to public updates). */
  readonly allowAnonymous: boolean;
  /** Origins whose pages may publish with the cookie, besides the hub's own (`*`: any). */
  readonly publishOrigins: readonly string[];
  /**
   * The URL of the hub's protected resource metadata (RFC 9728), named in every `WWW-Authenticate`
   * challenge so a client can find the resource identifier and authorization servers. @defaultValue none
   */
  readonly resourceMetadata?: string | undefined;
}

const MISSING: Readonly<Record<AuthAction, string>> = {
  subscribe: 'this hub requires a token to subscribe',
  publish: 'publishing requires a token',
  admin: 'the dashboard stream needs an admin token (Authorization: Bearer)',
};

export function createAuthorize(options: AuthorizeOptions): Authorize {
  const checkOrigin = createPublishOriginCheck(options.publishOrigins);
  const noToken = bearerChallenge(undefined, options.resourceMetadata);
  const invalidToken = bearerChallenge('invalid_token', options.resourceMetadata);
  const decide = async (request: AuthRequest, action: AuthAction): Promise<Grant> => {
    // A malformed Authorization header throws its own 401 here, which names the problem.
    const credential = locateCredential(request);
    if (credential === undefined) {
      if (action === 'subscribe' && options.allowAnonymous) return ANONYMOUS;
      throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', MISSING[action], {
        headers: { 'WWW-Authenticate': noToken },
      });
    }
    // CSRF, before the credential is even checked: the browser attaches the cookie to requests that any page
    // makes, a header or a query token it does not.
    if (action === 'publish' && credential.source === 'cookie') checkOrigin(request.headers);
    const rights = await options.authorizer.authenticate(credential, action);
    // The scheme may have said why already; this holds for every scheme, whatever it checks.
    if (action === 'admin' && !rights.admin)
      throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'the token may not administer this hub');
    return { ...rights, source: credential.source };
  };
  return async (request, action) => {
    try {
      return await decide(request, action);
    } catch (error) {
      // Every scheme's 401 is about the token it was shown (a missing one has its challenge already): one
      // place adds RFC 6750's code, so a new scheme cannot forget it. A malformed Authorization header is
      // answered 401 `invalid_token` too, not 400 `invalid_request`: 0.x clients have always had a 401.
      if (error instanceof HttpRejection && error.status === 401) throw withChallenge(error, invalidToken);
      throw error;
    }
  };
}
