/**
 * The JWT scheme (Mercure): JWS tokens verified with `jose`, whose `mercure` claim says what they may
 * publish and subscribe to. Publishers and subscribers have separate keys. The verifier pins the algorithms
 * a key may be used with, so `alg: none` and algorithm confusion (an HMAC token "signed" with a public key)
 * are rejected.
 * @module
 */
import {
  type CryptoKey,
  createRemoteJWKSet,
  importSPKI,
  importX509,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { HotlineError } from '../../errors.js';
import { HttpRejection } from '../http-errors.js';
import { jsonValueTooDeep, MAX_JSON_DEPTH } from '../json-depth.js';

/** How tokens are verified: an HMAC secret, a PEM public key or certificate, or a JWKS URL. */
export type JwtKeyOptions =
  | { secret: string; algorithms?: HmacAlgorithm[] }
  | { publicKey: string; algorithm: AsymmetricAlgorithm }
  | { jwksUrl: string; algorithms?: AsymmetricAlgorithm[] };

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';
export type AsymmetricAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

const HMAC_ALGORITHMS: HmacAlgorithm[] = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGORITHMS: AsymmetricAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

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
  let key: Uint8Array | CryptoKey | JWTVerifyGetKey;
  let algorithms: string[];
  try {
    if ('secret' in options) {
      if (options.secret.length === 0) throw new Error('the secret is empty');
      key = new TextEncoder().encode(options.secret);
      algorithms = options.algorithms ?? HMAC_ALGORITHMS;
    } else if ('publicKey' in options) {
      const pem = options.publicKey.trim();
      key = pem.includes('BEGIN CERTIFICATE')
        ? await importX509(pem, options.algorithm)
        : await importSPKI(pem, options.algorithm);
      algorithms = [options.algorithm];
    } else {
      key = createRemoteJWKSet(new URL(options.jwksUrl));
      algorithms = options.algorithms ?? ASYMMETRIC_ALGORITHMS;
    }
  } catch (cause) {
    throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', `invalid JWT key: ${(cause as Error).message}`, { cause });
  }
  // A static key verifies a given token string the same way every time, so a success is remembered and only
  // its time claims are checked again. Not for a JWKS URL: a key removed from the set must stop verifying.
  const verified = typeof key === 'function' ? undefined : new VerifiedTokens(VERIFIED_TOKENS_KEPT);
  return {
    async verify(token) {
      const known = verified?.get(token);
      if (known !== undefined) return known;
      let payload: JWTPayload;
      try {
        // jose's overloads differ for a static key and a key-resolving function; both verify the same way.
        ({ payload } =
          typeof key === 'function'
            ? await jwtVerify(token, key, { algorithms })
            : await jwtVerify(token, key, { algorithms }));
      } catch (cause) {
        throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', describeJoseError(cause), { cause });
      }
      const claims: VerifiedClaims = {
        ...readClaims(payload),
        exp: payload.exp === undefined ? undefined : payload.exp * 1000,
      };
      verified?.set(token, claims, payload);
      return claims;
    },
  };
}

/**
 * Verified tokens remembered per static key. Measured with `bench/profile-hub.ts --subscribers 10` (many
 * small publishes, one token): importing the HMAC key and verifying with WebCrypto took about a quarter of
 * the hub's CPU per publish.
 */
const VERIFIED_TOKENS_KEPT = 1024;

interface VerifiedToken {
  readonly claims: VerifiedClaims;
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
}

class VerifiedTokens {
  readonly #entries = new Map<string, VerifiedToken>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The claims of a token verified before and still valid now; `undefined` sends it to a full verification. */
  get(token: string): VerifiedClaims | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    // The same clock rule as jose's: valid while now < exp and nbf <= now, in whole seconds.
    const now = Math.floor(Date.now() / 1000);
    if ((entry.exp !== undefined && now >= entry.exp) || (entry.nbf !== undefined && entry.nbf > now)) {
      // Verified again in full, so the client gets jose's precise reason.
      this.#entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  set(token: string, claims: VerifiedClaims, payload: JWTPayload): void {
    if (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { claims, exp: payload.exp, nbf: payload.nbf });
  }
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

/** A message safe to show the client: what was wrong with the token, never the token itself. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not valid now`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm this hub does not accept';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'the token signature does not verify: it is not signed with the hub’s key';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the JWKS matches the token';
  // Not three base64url parts, or a header or payload that is not a JSON object.
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'the token is not a JWT';
  return 'the token is malformed';
}
