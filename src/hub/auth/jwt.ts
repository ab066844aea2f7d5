/**
 * The Mercure 0.x token: a JWS whose `mercure` claim says what it may publish and subscribe to. Keys, their
 * algorithm allowlists (`alg: none` and algorithm confusion refused) and the cache of verified tokens are
 * `jws-key.ts`'s, shared with the 1.0 access tokens (`access-token.ts`).
 * @module
 */
import type { JWTPayload } from 'jose';
import { HttpRejection } from '../http-errors.js';
import { jsonValueTooDeep, MAX_JSON_DEPTH } from '../json-depth.js';
import { importJwsKey, type JwsKey, type JwtKeyOptions, VerifiedTokens } from './jws-key.js';

/** The `mercure` claim of a verified token. */
export interface MercureClaims {
  /** Topic selectors the bearer may publish to. */
  readonly publish: readonly string[];
  /** Topic selectors whose private updates the bearer may receive. */
  readonly subscribe: readonly string[];
  /** Free-form data about the subscriber (shown in the subscriptions API). */
  readonly payload: unknown;
}

/** The claims of a verified token, with its expiry. */
export interface VerifiedClaims extends MercureClaims {
  /** The `exp` claim in ms since the epoch; `undefined` when the token has none. */
  readonly exp: number | undefined;
}

/** A verifier bound to one key. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedClaims>;
}

/**
 * The shortest HMAC secret accepted outside development, in bytes.
 * spec(RFC 7518 §3.2): "A key of the same size as the hash output (for instance, 256 bits for "HS256") or
 * larger MUST be used with this algorithm." A shorter secret can be brute-forced offline from any one token.
 */
export const MIN_HMAC_SECRET_BYTES = 32;

/** Why an HMAC secret is too weak to sign tokens with, or `undefined` when it is long enough. */
export function weakSecretProblem(secret: string): string | undefined {
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes >= MIN_HMAC_SECRET_BYTES) return undefined;
  return (
    `the HMAC secret is ${bytes} byte${bytes === 1 ? '' : 's'}; it must be at least ${MIN_HMAC_SECRET_BYTES} ` +
    '(RFC 7518 §3.2: at least the hash output, 256 bits for HS256). Generate one with `openssl rand -base64 32`'
  );
}

/** Builds a verifier; throws `HOTLINE_HUB_INVALID_OPTIONS` for an unusable key. */
export async function createTokenVerifier(options: JwtKeyOptions): Promise<TokenVerifier> {
  return mercureClaimVerifier(await importJwsKey(options));
}

/** The 0.x scheme over an imported key: a token's `mercure` claim, remembered per static key. */
export function mercureClaimVerifier(key: JwsKey): TokenVerifier {
  const verified = key.static ? new VerifiedTokens<VerifiedClaims>() : undefined;
  return {
    async verify(token) {
      const known = verified?.get(token);
      if (known !== undefined) return known;
      const payload = await key.verify(token);
      const claims: VerifiedClaims = {
        ...readClaims(payload),
        exp: payload.exp === undefined ? undefined : payload.exp * 1000,
      };
      verified?.set(token, claims, payload);
      return claims;
    },
  };
}

function readClaims(payload: JWTPayload): MercureClaims {
  const mercure = payload.mercure;
  if (mercure === undefined) return { publish: [], subscribe: [], payload: undefined };
  if (typeof mercure !== 'object' || mercure === null || Array.isArray(mercure)) {
    throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'the mercure claim must be an object');
  }
  const claims = mercure as Record<string, unknown>;
  // The payload is serialized again (subscriptions API, presence updates): past this depth that overflows.
  if (jsonValueTooDeep(claims.payload)) {
    throw new HttpRejection(
      401,
      'HOTLINE_HUB_UNAUTHORIZED',
      `the mercure.payload claim nests deeper than ${MAX_JSON_DEPTH}`,
    );
  }
  return {
    publish: selectors(claims.publish, 'publish'),
    subscribe: selectors(claims.subscribe, 'subscribe'),
    payload: claims.payload,
  };
}

function selectors(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', `the mercure.${name} claim must be an array of strings`);
}
