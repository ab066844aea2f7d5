/**
 * A verification key and the algorithms it may verify, shared by both token generations (Mercure 0.x's
 * `mercure` claim and Mercure 1.0's RFC 9068 access tokens), and the cache of tokens it verified.
 * @module
 */

// A separate type-only import: the declaration files keep it as `import type`, which a CommonJS consumer
// (module node16, .d.cts) may read from an ES module; an inline `type` modifier in a value import it may not.
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { type CryptoKey, createRemoteJWKSet, importSPKI, importX509, errors as joseErrors, jwtVerify } from 'jose';
import { HotlineError } from '../../errors.js';
import { HttpRejection } from '../http-errors.js';

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

/**
 * A key with its explicit algorithm allowlist. The list comes from the key's kind, never from the token:
 * an HMAC secret verifies only HS*, a public key only its one algorithm, so `alg: none` and algorithm
 * confusion (an HMAC token "signed" with a public key's text) are refused before any signature check.
 */
export interface JwsKey {
  /**
   * Verifies the signature and the time claims, plus whatever `checks` add (`typ`, `aud`, `iss`, required
   * claims); throws a 401 `HttpRejection` whose message says, safely, what was wrong.
   */
  verify(token: string, checks?: Omit<JWTVerifyOptions, 'algorithms'>): Promise<JWTPayload>;
  /** True for a static key, whose verdict on a token string never changes: a success may be remembered. */
  readonly static: boolean;
}

/** Imports a key; throws `HOTLINE_HUB_INVALID_OPTIONS` for an unusable one. */
export async function importJwsKey(options: JwtKeyOptions): Promise<JwsKey> {
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
  return {
    // Not a JWKS URL: a key removed from the set must stop verifying.
    static: typeof key !== 'function',
    async verify(token, checks = {}) {
      try {
        // jose's overloads differ for a static key and a key-resolving function; both verify the same way.
        const { payload } =
          typeof key === 'function'
            ? await jwtVerify(token, key, { ...checks, algorithms })
            : await jwtVerify(token, key, { ...checks, algorithms });
        return payload;
      } catch (cause) {
        throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', describeJoseError(cause), { cause });
      }
    },
  };
}

/**
 * How many verified tokens a static key remembers. Measured with `bench/profile-hub.ts --subscribers 10`
 * (many small publishes, one token): importing the HMAC key and verifying with WebCrypto took about a
 * quarter of the hub's CPU per publish.
 */
const VERIFIED_TOKENS_KEPT = 1024;

interface VerifiedToken<T> {
  readonly value: T;
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
}

/**
 * What a static key verified, by token string: only the time claims are checked again on a later use.
 * Bounded: the oldest entry goes first.
 */
export class VerifiedTokens<T> {
  readonly #entries = new Map<string, VerifiedToken<T>>();
  readonly #limit: number;

  constructor(limit: number = VERIFIED_TOKENS_KEPT) {
    this.#limit = limit;
  }

  /** What a token verified before and still valid now gave; `undefined` sends it to a full verification. */
  get(token: string): T | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    // The same clock rule as jose's: valid while now < exp and nbf <= now, in whole seconds.
    const now = Math.floor(Date.now() / 1000);
    if ((entry.exp !== undefined && now >= entry.exp) || (entry.nbf !== undefined && entry.nbf > now)) {
      // Verified again in full, so the client gets jose's precise reason.
      this.#entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: T, payload: JWTPayload): void {
    if (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { value, exp: payload.exp, nbf: payload.nbf });
  }
}

/** A message safe to show the client: what was wrong with the token, never the token itself. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return describeClaimFailure(error);
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm this hub does not accept';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'the token signature does not verify: it is not signed with the hub’s key';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the JWKS matches the token';
  // Not three base64url parts, or a header or payload that is not a JSON object.
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'the token is not a JWT';
  return 'the token is malformed';
}

function describeClaimFailure(error: joseErrors.JWTClaimValidationFailed): string {
  if (error.reason === 'missing') return `the token has no ${error.claim} claim`;
  switch (error.claim) {
    case 'typ':
      return 'the token’s typ header is not at+jwt: it is not an access token';
    case 'aud':
      return 'the token’s aud claim does not name this hub’s resource identifier';
    case 'iss':
      return 'the token’s iss claim is not an issuer this hub trusts';
    default:
      return `the token's ${error.claim} claim is not valid now`;
  }
}
