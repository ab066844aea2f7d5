/**
 * The keys of `hotline serve` — from its options, or the development secret kept in the data directory —
 * and who the demo page may sign in as.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JwtKeyOptions, weakSecretProblem } from '../hub/auth/index.js';
import { type DashboardOptions, DEMO_DEFAULTS } from '../hub/dashboard/index.js';
import { makeDirectory } from '../hub/log/make-directory.js';
import type { HubOptions } from '../hub/options.js';
import { UsageError } from './args.js';
import type { ServeConfig } from './serve-config.js';
import { mintToken } from './token.js';

type Keys = Pick<HubOptions, 'publisherKey' | 'subscriberKey'>;

const SECRET_OPTIONS = ['jwt-secret', 'publisher-jwt-secret', 'subscriber-jwt-secret'] as const;

/** Said once at start by a hub without a publisher key, which then refuses every HTTP publish. */
export const NO_PUBLISHER_KEY_WARNING =
  'no publisher key: every HTTP publish will be refused (401). Set --jwt-secret or --publisher-jwt-secret ' +
  '(32 bytes or more: `openssl rand -base64 32`), --jwt-public-key or --jwks-url';

/**
 * The hub's keys. Outside `--dev` an HMAC secret shorter than 32 bytes is a {@link UsageError} naming its
 * option (RFC 7518 §3.2); `dev` also brings the stored development secret.
 */
export function readKeys(config: ServeConfig, dev: boolean): Keys {
  if (!dev) {
    for (const name of SECRET_OPTIONS) {
      const secret = config[name];
      const problem = secret === undefined ? undefined : weakSecretProblem(secret);
      if (problem !== undefined) throw new UsageError(`--${name}: ${problem}, or run with --dev for development`);
    }
  }
  const shared = config['jwt-secret'] ?? (dev ? devSecret(config['data-dir']) : undefined);
  const publisherSecret = config['publisher-jwt-secret'] ?? shared;
  const subscriberSecret = config['subscriber-jwt-secret'] ?? shared;
  let asymmetric: JwtKeyOptions | undefined;
  if (config['jwt-public-key'] !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(config['jwt-public-key'], 'utf8');
    } catch (error) {
      throw new UsageError(`--jwt-public-key: ${(error as Error).message}`);
    }
    asymmetric = { publicKey: pem, algorithm: config['jwt-algorithm'] };
  } else if (config['jwks-url'] !== undefined) {
    asymmetric = { jwksUrl: config['jwks-url'] };
  }
  const publisherKey = asymmetric ?? (publisherSecret === undefined ? undefined : { secret: publisherSecret });
  const subscriberKey = asymmetric ?? (subscriberSecret === undefined ? undefined : { secret: subscriberSecret });
  return { ...(publisherKey ? { publisherKey } : {}), ...(subscriberKey ? { subscriberKey } : {}) };
}

/** A random secret kept in the data directory, so dev tokens survive restarts of the hub. */
function devSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  makeDirectory(dataDir);
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The demo page signs visitors in as the demo user only in `--dev`: the sign-in hands a token for that
 * user's private notifications to anyone who asks, which a hub in front of the public must not do.
 */
export function demoSignIn(keys: Keys, dev: boolean): Pick<DashboardOptions, 'demoUser' | 'demoSignInRefusal'> {
  if (!dev) {
    return {
      demoSignInRefusal:
        'demo sign-in needs a hub started with --dev: it gives anyone who asks a token for the demo ' +
        'user’s private notifications',
    };
  }
  const key = keys.subscriberKey;
  if (key === undefined || !('secret' in key)) {
    return { demoSignInRefusal: 'this hub verifies subscribers with a public key: it cannot sign a demo token' };
  }
  const secret = key.secret;
  return { demoUser: { name: DEMO_DEFAULTS.user, sign: (claims) => mintToken({ secret, ...claims }) } };
}

/**
 * The dashboard signs itself in for a browser on this machine only in `--dev`, and only with an HMAC
 * publisher secret (a hub verifying with a public key holds no key to sign with).
 */
export function loopbackSignIn(keys: Keys, dev: boolean): Pick<DashboardOptions, 'loopbackAdmin'> {
  const key = keys.publisherKey;
  if (!dev || key === undefined || !('secret' in key)) return {};
  const secret = key.secret;
  return {
    loopbackAdmin: { sign: (ttlSeconds) => mintToken({ secret, publish: ['*'], subscribe: ['*'], ttlSeconds }) },
  };
}
