/**
 * The JWT scheme as an {@link Authorizer}: Mercure's publisher and subscriber keys, for both generations of
 * token. A token verified with the publisher key proves what it may publish (and admin rights when that is
 * every topic); one verified with the subscriber key proves what it may subscribe to, and its payload. With
 * one key for both (the default, like Mercure's single `jwt_key`) a token proves both.
 *
 * Which rights a token states depends on its generation, told by its `typ` header: a Mercure 1.0 access
 * token (`at+jwt`) by its `authorization_details`, any other by the 0.x `mercure` claim. One hub accepts
 * both at once.
 * @module
 */
import { HotlineError } from '../../errors.js';
import { HttpRejection } from '../http-errors.js';
import {
  type AccessTokenPolicy,
  type AccessTokenVerifier,
  accessTokenVerifier,
  tokenGeneration,
} from './access-token.js';
import { importJwsKey, type JwtKeyOptions } from './jws-key.js';
import { mercureClaimVerifier, type TokenVerifier, weakSecretProblem } from './jwt.js';
import type { AuthAction, Authorizer, Rights } from './types.js';

/** Options of {@link createJwtAuthorizer}. */
export interface JwtAuthorizerOptions {
  /** Verifies publishers' tokens (and the dashboard's). Without it, no token may publish or administer. */
  readonly publisherKey?: JwtKeyOptions | undefined;
  /** Verifies subscribers' tokens. @defaultValue `publisherKey` */
  readonly subscriberKey?: JwtKeyOptions | undefined;
  /** Accept HMAC secrets shorter than 32 bytes (RFC 7518 §3.2): development only. @defaultValue false */
  readonly allowWeakSecrets?: boolean | undefined;
  /**
   * How Mercure 1.0 access tokens are checked. @defaultValue no resource identifier: access tokens are
   * refused, 0.x tokens accepted
   */
  readonly accessTokens?: AccessTokenPolicy | undefined;
}

/** Without a resource identifier: every access token is refused (and says why). */
const NO_ACCESS_TOKENS: AccessTokenPolicy = {
  audience: undefined,
  issuers: [],
  limits: { maxDetails: 0, maxTopicsPerDetail: 0, maxPatternLength: 0, maxPatternParts: 0 },
};

/** Why the dashboard refuses a verified token: the rule is the JWT scheme's, so the reason says it. */
const NOT_ADMIN = {
  'mercure-claim': 'the token may not publish to every topic: the dashboard needs "mercure": {"publish": ["*"]}',
  'access-token':
    'the access token may not publish to every topic: the dashboard needs a mercure authorization detail ' +
    'with "actions": ["publish"] and "topics": [{"match": "*"}]',
} as const;

/** One key and the two ways of reading the tokens it verifies. */
interface KeyVerifiers {
  readonly mercureClaim: TokenVerifier;
  readonly accessToken: AccessTokenVerifier;
}

/**
 * Builds the JWT scheme; throws `HOTLINE_HUB_INVALID_OPTIONS` for an unusable key or, unless
 * `allowWeakSecrets`, an HMAC secret shorter than 32 bytes.
 */
export async function createJwtAuthorizer(options: JwtAuthorizerOptions): Promise<Authorizer> {
  const publisherKey = options.publisherKey;
  const subscriberKey = options.subscriberKey ?? publisherKey;
  if (options.allowWeakSecrets !== true) {
    checkSecret('publisherKey', publisherKey);
    checkSecret('subscriberKey', subscriberKey);
  }
  const policy = options.accessTokens ?? NO_ACCESS_TOKENS;
  const verifiers = async (key: JwtKeyOptions): Promise<KeyVerifiers> => {
    const imported = await importJwsKey(key);
    return { mercureClaim: mercureClaimVerifier(imported), accessToken: accessTokenVerifier(imported, policy) };
  };
  const publisher = publisherKey === undefined ? undefined : await verifiers(publisherKey);
  // One set of verifiers (and one cache of verified tokens) when both roles share a key.
  const subscriber =
    subscriberKey === undefined
      ? undefined
      : subscriberKey === publisherKey
        ? publisher
        : await verifiers(subscriberKey);

  return {
    async authenticate(credential, action) {
      // spec(Mercure 1.0 §Token Validation): "the hub SHOULD select the key using the `kid` header parameter
      // and/or the role of the endpoint, and MUST NOT allow the token to cause an unexpected key to be
      // selected." The role picks the key here; the token only picks how its verified claims are read.
      const verifier = action === 'subscribe' ? subscriber : publisher;
      if (verifier === undefined) throw unauthorized(NO_KEY[action]);
      const asPublisher = verifier === publisher;
      const asSubscriber = verifier === subscriber;
      const generation = tokenGeneration(credential.token);
      const rights =
        generation === 'access-token'
          ? await accessTokenRights(verifier.accessToken, credential.token, asPublisher, asSubscriber)
          : await mercureClaimRights(verifier.mercureClaim, credential.token, asPublisher, asSubscriber);
      if (action === 'admin' && !rights.admin) throw unauthorized(NOT_ADMIN[generation]);
      return rights;
    },
  };
}

async function mercureClaimRights(
  verifier: TokenVerifier,
  token: string,
  asPublisher: boolean,
  asSubscriber: boolean,
): Promise<Rights> {
  const claims = await verifier.verify(token);
  return {
    // A key proves only the claims of its role: a subscriber key must not let a token publish.
    publish: asPublisher ? claims.publish : [],
    subscribe: asSubscriber ? claims.subscribe : [],
    admin: asPublisher && claims.publish.includes('*'),
    payload: claims.payload,
    exp: claims.exp,
  };
}

async function accessTokenRights(
  verifier: AccessTokenVerifier,
  token: string,
  asPublisher: boolean,
  asSubscriber: boolean,
): Promise<Rights> {
  const claims = await verifier.verify(token);
  const subscribePayloads = asSubscriber ? claims.payloads : [];
  return {
    publish: asPublisher ? claims.publish : [],
    subscribe: asSubscriber ? claims.subscribe : [],
    // spec(Mercure 1.0 §Topic Matcher List): "A `match` value of `*` is the reserved wildcard and matches
    // every topic regardless of `matchType`".
    admin: asPublisher && claims.publish.some((matcher) => matcher.match === '*'),
    // The one payload a 0.x reader sees: the default one, of the first subscribe detail for `*`. Per
    // subscription, the first detail whose topics match the subscription's matcher wins (`subscribePayloads`).
    payload: subscribePayloads.find((entry) => entry.topics.some((matcher) => matcher.match === '*'))?.payload,
    exp: claims.exp,
    generation: 'access-token',
    subject: claims.subject,
    subscribePayloads,
  };
}

const NO_KEY: Readonly<Record<AuthAction, string>> = {
  subscribe: 'this hub has no subscriber key',
  publish: 'this hub has no publisher key: it accepts no HTTP publishes',
  admin: 'this hub has no publisher key: no token may open the dashboard',
};

function checkSecret(name: string, key: JwtKeyOptions | undefined): void {
  const problem = key !== undefined && 'secret' in key ? weakSecretProblem(key.secret) : undefined;
  if (problem !== undefined) {
    throw new HotlineError(
      'HOTLINE_HUB_INVALID_OPTIONS',
      `${name}.secret: ${problem} (allowWeakSecrets: true is for development)`,
    );
  }
}

function unauthorized(message: string): HttpRejection {
  return new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', message);
}
