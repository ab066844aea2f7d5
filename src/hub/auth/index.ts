/**
 * Authorization: one `authorize(request, action)` for every route and the dashboard, and the schemes
 * behind it (`Authorizer`); the JWT scheme of Mercure is one of them; and closing streams when their
 * credential expires.
 * @module
 */
export { ANONYMOUS, type Authorize, type AuthorizeOptions, createAuthorize } from './authorize.js';
export { AUTH_COOKIE, AUTH_QUERY_PARAMETER } from './credentials.js';
export { createExpiryTimers, type ExpiryTimers, streamExpiry } from './expiry.js';
export {
  type AsymmetricAlgorithm,
  createTokenVerifier,
  type HmacAlgorithm,
  type JwtKeyOptions,
  type MercureClaims,
  MIN_HMAC_SECRET_BYTES,
  type TokenVerifier,
  type VerifiedClaims,
  weakSecretProblem,
} from './jwt.js';
export { createJwtAuthorizer, type JwtAuthorizerOptions } from './jwt-authorizer.js';
export { createPublishOriginCheck, type PublishOriginCheck } from './publish-origin.js';
export type { AuthAction, Authorizer, AuthRequest, Credential, CredentialSource, Grant, Rights } from './types.js';
