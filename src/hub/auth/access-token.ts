/**
 * Mercure 1.0 access tokens: JWTs of the RFC 9068 profile (`typ: at+jwt`, `aud`, `exp`, optional `iss`)
 * whose `authorization_details` claim says what they grant. Verified with the same keys, and the same
 * per-key algorithm allowlists, as the 0.x tokens (`jws-key.ts`); a hub tells the two apart by the token's
 * `typ` header ({@link tokenGeneration}).
 * @module
 */
import { decodeProtectedHeader } from 'jose';
import { HttpRejection } from '../http-errors.js';
import { type AuthorizationDetailLimits, type DetailGrant, readAuthorizationDetails } from './authorization-details.js';
import { type JwsKey, VerifiedTokens } from './jws-key.js';

/** What the hub checks an access token against. */
export interface AccessTokenPolicy {
  /**
   * The hub's resource identifier, which the token's `aud` must contain. `undefined`: the hub accepts no
   * access token, since spec(Mercure 1.0 §Token Validation): "Hubs MUST be configured with their resource
   * identifier and MUST verify that it appears in the token `aud` claim".
   */
  readonly audience: string | undefined;
  /**
   * Issuers whose tokens the hub accepts (its authorization servers); empty: any, self-issued tokens.
   * spec(Mercure 1.0 §Token Validation): "When the hub advertises one or more authorization servers in its
   * protected resource metadata […], it MUST verify that the `iss` claim is the issuer identifier of one of
   * them".
   */
  readonly issuers: readonly string[];
  readonly limits: AuthorizationDetailLimits;
}

/** A verified access token. */
export interface AccessTokenClaims extends DetailGrant {
  /** `exp` in ms since the epoch: always there, the token is refused without it. */
  readonly exp: number;
  /** The `sub` claim, when it is a string: the subscriber's identity (subscription events). */
  readonly subject: string | undefined;
}

export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessTokenClaims>;
}

/** The `typ` of an RFC 9068 access token, as jose compares it (lower case, `application/` dropped). */
const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * Which scheme a token is meant for, from its `typ` header: `at+jwt` (or `application/at+jwt`) is a Mercure
 * 1.0 access token, anything else a 0.x token with a `mercure` claim. Read unverified, only to choose the
 * checks: each path verifies the signature itself, and the 1.0 path checks `typ` again, signed.
 */
export function tokenGeneration(token: string): 'access-token' | 'mercure-claim' {
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(token).typ;
  } catch {
    // Not a JWT: the 0.x path says so in its own words.
    return 'mercure-claim';
  }
  return typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === ACCESS_TOKEN_TYPE
    ? 'access-token'
    : 'mercure-claim';
}

/**
 * Verifies access tokens with one key. spec(Mercure 1.0 §Token Validation): "Hubs MUST verify that the token
 * header `typ` is `at+jwt`", "MUST enforce the `exp` claim […], including on the first request received
 * bearing a token, and MUST enforce the `nbf` claim if present."
 */
export function accessTokenVerifier(key: JwsKey, policy: AccessTokenPolicy): AccessTokenVerifier {
  const { audience, issuers, limits } = policy;
  // The verdict on a token string depends only on the key and this policy, both fixed: remembered per key.
  const verified = key.static ? new VerifiedTokens<AccessTokenClaims>() : undefined;
  return {
    async verify(token) {
      if (audience === undefined) {
        throw new HttpRejection(
          401,
          'HOTLINE_HUB_UNAUTHORIZED',
          'this hub has no resource identifier (jwtAudience, --jwt-audience): it accepts no at+jwt access tokens',
        );
      }
      const known = verified?.get(token);
      if (known !== undefined) return known;
      const payload = await key.verify(token, {
        typ: ACCESS_TOKEN_TYPE,
        audience,
        ...(issuers.length > 0 ? { issuer: [...issuers] } : {}),
        requiredClaims: ['exp'],
      });
      const claims: AccessTokenClaims = {
        ...readAuthorizationDetails(payload.authorization_details, limits),
        // A number: `requiredClaims` made jose check it is there, and jose refuses a non-numeric `exp`.
        exp: (payload.exp as number) * 1000,
        subject: typeof payload.sub === 'string' ? payload.sub : undefined,
      };
      verified?.set(token, claims, payload);
      return claims;
    },
  };
}
