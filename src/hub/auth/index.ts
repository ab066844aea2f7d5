/**
 * Authorization: one `authorize(request, action)` for every route and the dashboard, and the schemes
 * behind it (`Authorizer`); the JWT scheme of Mercure is one of them, reading 0.x tokens (`mercure` claim)
 * and 1.0 access tokens (RFC 9068, `authorization_details`); RFC 6750 challenges; and closing streams when
 * their credential expires.
 * @module
 */

export type { AccessTokenPolicy } from './access-token.js';
export {
  ALPHA_DETAIL_TYPE,
  type AuthorizationDetailLimits,
  MERCURE_DETAIL_TYPE,
  readAuthorizationDetails,
  type SubscribePayload,
  type TopicMatcherClaim,
} from './authorization-details.js';
export { ANONYMOUS, type Authorize, type AuthorizeOptions, createAuthorize } from './authorize.js';
export {
  type BearerError,
  bearerChallenge,
  insufficientScope,
  withChallenge,
} from './bearer-challenge.js';
export { ACCESS_TOKEN_COOKIE, ACCESS_TOKEN_QUERY_PARAMETER, AUTH_COOKIE, AUTH_QUERY_PARAMETER } from './credentials.js';
export { createExpiryTimers, type ExpiryTimers, streamExpiry } from './expiry.js';
export type { AsymmetricAlgorithm, HmacAlgorithm, JwtKeyOptions } from './jws-key.js';
export {
  createTokenVerifier,
  type MercureClaims,
  MIN_HMAC_SECRET_BYTES,
  type TokenVerifier,
  type VerifiedClaims,
  weakSecretProblem,
} from './jwt.js';
export { createJwtAuthorizer, type JwtAuthorizerOptions } from './jwt-authorizer.js';
export { createPublishOriginCheck, type PublishOriginCheck } from './publish-origin.js';
export type { AuthAction, Authorizer, AuthRequest, Credential, CredentialSource, Grant, Rights } from './types.js';
