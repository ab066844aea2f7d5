/**
 * The JWT scheme as an {@link Authorizer}: Mercure's publisher and subscriber keys. A token verified with
 * the publisher key proves its `mercure.publish` selectors (and admin rights when they include `*`); one
 * verified with the subscriber key proves its `mercure.subscribe` selectors and payload. With one key for
 * both (the default, like Mercure's single `jwt_key`) a token proves both.
 * @module
 */
import { HotlineError } from '../../errors.js';
import { HttpRejection } from '../http-errors.js';
import { createTokenVerifier, type JwtKeyOptions, weakSecretProblem } from './jwt.js';
import type { Authorizer, Rights } from './types.js';

/** Options of {@link createJwtAuthorizer}. */
export interface JwtAuthorizerOptions {
  /** Verifies publishers' tokens (and the dashboard's). Without it, no token may publish or administer. */
  readonly publisherKey?: JwtKeyOptions | undefined;
  /** Verifies subscribers' tokens. @defaultValue `publisherKey` */
  readonly subscriberKey?: JwtKeyOptions | undefined;
  /** Accept HMAC secrets shorter than 32 bytes (RFC 7518 §3.2): development only. @defaultValue false */
  readonly allowWeakSecrets?: boolean | undefined;
}

/** Why the dashboard refuses a verified token: the rule is the JWT scheme's, so the reason says it. */
const NOT_ADMIN = 'the token may not publish to every topic: the dashboard needs "mercure": {"publish": ["*"]}';

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
  const publisher = publisherKey === undefined ? undefined : await createTokenVerifier(publisherKey);
  // One verifier (and one cache of verified tokens) when both roles share a key.
  const subscriber =
    subscriberKey === undefined
      ? undefined
      : subscriberKey === publisherKey
        ? publisher
        : await createTokenVerifier(subscriberKey);

  return {
    async authenticate(credential, action) {
      const verifier = action === 'subscribe' ? subscriber : publisher;
      if (verifier === undefined) throw unauthorized(NO_KEY[action]);
      const claims = await verifier.verify(credential.token);
      const asPublisher = verifier === publisher;
      const rights: Rights = {
        // A key proves only the claims of its role: a subscriber key must not let a token publish.
        publish: asPublisher ? claims.publish : [],
        subscribe: verifier === subscriber ? claims.subscribe : [],
        admin: asPublisher && claims.publish.includes('*'),
        payload: claims.payload,
        exp: claims.exp,
      };
      if (action === 'admin' && !rights.admin) throw unauthorized(NOT_ADMIN);
      return rights;
    },
  };
}

const NO_KEY = {
  subscribe: 'this hub has no subscriber key',
  publish: 'this hub has no publisher key: it accepts no HTTP publishes',
  admin: 'this hub has no publisher key: no token may open the dashboard',
} as const;

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
