/**
 * `hotline token` — mints a JWT for a hub, for development and scripts: a Mercure 0.x token (`mercure`
 * claim) by default, a Mercure 1.0 access token (RFC 9068, `authorization_details`) with `--at-jwt`.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { MERCURE_DETAIL_TYPE, type TopicMatcherClaim, weakSecretProblem } from '../hub/auth/index.js';
import {
  helpText,
  integerOption,
  listOption,
  type OptionTable,
  parseOptions,
  stringOption,
  UsageError,
} from './args.js';

const OPTIONS: OptionTable = {
  secret: {
    type: 'string',
    description: 'HMAC secret the hub verifies with',
    env: 'HOTLINE_JWT_SECRET',
    valueName: 'secret',
  },
  publish: {
    type: 'string',
    multiple: true,
    description: 'Topic selector the bearer may publish to ("*" for all)',
    valueName: 'selector',
  },
  subscribe: {
    type: 'string',
    multiple: true,
    description: 'Topic selector whose private updates the bearer may receive',
    valueName: 'selector',
  },
  'publish-url-pattern': {
    type: 'string',
    multiple: true,
    description: 'With --at-jwt: a URL pattern (matchType URLPattern) the bearer may publish to',
    valueName: 'pattern',
  },
  'subscribe-url-pattern': {
    type: 'string',
    multiple: true,
    description: 'With --at-jwt: a URL pattern whose private updates the bearer may receive',
    valueName: 'pattern',
  },
  payload: {
    type: 'string',
    description: "JSON for the mercure.payload claim (--at-jwt: the subscribe detail's payload, an object)",
    valueName: 'json',
  },
  'at-jwt': {
    type: 'boolean',
    description:
      'Mint a Mercure 1.0 access token (typ at+jwt, authorization_details; --publish/--subscribe are Exact ' +
      'matchers) instead of a 0.x token',
  },
  aud: {
    type: 'string',
    description: "With --at-jwt (required): the hub's resource identifier, as its --jwt-audience",
    valueName: 'url',
  },
  iss: {
    type: 'string',
    description: 'With --at-jwt: the iss claim (a hub with --jwt-issuer checks it)',
    valueName: 'iss',
  },
  'ttl-seconds': {
    type: 'string',
    description: 'Lifetime of the token; 0 for none',
    default: '3600',
    valueName: 'seconds',
  },
  subject: { type: 'string', description: 'The sub claim', valueName: 'sub' },
  dev: {
    type: 'boolean',
    description: 'Accept a secret shorter than 32 bytes, as `hotline serve --dev` does (development only)',
  },
};

const USAGE = 'hotline token --secret <secret> [--at-jwt --aud <url>] (--publish <selector> | --subscribe <selector>)…';

export const tokenCommand = {
  summary: 'Mint a JWT with mercure.publish / mercure.subscribe claims',
  async run(args: string[]): Promise<number> {
    const values = parseOptions(args, OPTIONS);
    if (values.help === true) {
      console.log(helpText(USAGE, this.summary, OPTIONS));
      return 0;
    }
    const secret = stringOption(values, 'secret');
    if (secret === undefined || secret === '') throw new UsageError('--secret (or HOTLINE_JWT_SECRET) is required');
    const problem = values.dev === true ? undefined : weakSecretProblem(secret);
    if (problem !== undefined) throw new UsageError(`--secret: ${problem}, or pass --dev for a hub run with --dev`);
    const publish = listOption(values, 'publish');
    const subscribe = listOption(values, 'subscribe');
    const patterns = {
      publish: listOption(values, 'publish-url-pattern'),
      subscribe: listOption(values, 'subscribe-url-pattern'),
    };
    // A token without either claim grants nothing: minting one is a mistake, not a request.
    if (publish.length + subscribe.length + patterns.publish.length + patterns.subscribe.length === 0) {
      throw new UsageError(`the token would grant nothing: give --publish and/or --subscribe (usage: ${USAGE})`);
    }
    const common = {
      secret,
      payload: parsePayload(stringOption(values, 'payload')),
      ttlSeconds: integerOption(values, 'ttl-seconds') ?? 3600,
      subject: stringOption(values, 'subject'),
    };
    if (values['at-jwt'] !== true) {
      for (const name of ['aud', 'iss', 'publish-url-pattern', 'subscribe-url-pattern'] as const) {
        if (values[name] !== undefined) throw new UsageError(`--${name} needs --at-jwt`);
      }
      console.log(await mintToken({ ...common, publish, subscribe }));
      return 0;
    }
    const audience = stringOption(values, 'aud');
    if (audience === undefined || audience === '')
      throw new UsageError("--at-jwt needs --aud, the hub's resource identifier");
    // spec(Mercure 1.0 §Token Validation): "Hubs MUST enforce the `exp` claim" — a token without one is refused.
    if (common.ttlSeconds <= 0)
      throw new UsageError('--at-jwt needs a --ttl-seconds above 0: access tokens must expire');
    if (
      common.payload !== undefined &&
      (typeof common.payload !== 'object' || common.payload === null || Array.isArray(common.payload))
    )
      throw new UsageError('--payload must be a JSON object with --at-jwt');
    const matchers = (exact: string[], urlPatterns: string[]): TopicMatcherClaim[] => [
      ...exact.map((match) => ({ matchType: 'Exact' as const, match })),
      ...urlPatterns.map((match) => ({ matchType: 'URLPattern' as const, match })),
    ];
    const token = await mintAccessToken({
      ...common,
      audience,
      issuer: stringOption(values, 'iss'),
      publish: matchers(publish, patterns.publish),
      subscribe: matchers(subscribe, patterns.subscribe),
    });
    console.log(token);
    return 0;
  },
};

export interface MintOptions {
  secret: string;
  publish?: string[];
  subscribe?: string[];
  payload?: unknown;
  ttlSeconds?: number;
  subject?: string | undefined;
}

/** Signs an HS256 token with a `mercure` claim. */
export async function mintToken(options: MintOptions): Promise<string> {
  const mercure: Record<string, unknown> = {};
  if (options.publish?.length) mercure.publish = options.publish;
  if (options.subscribe?.length) mercure.subscribe = options.subscribe;
  if (options.payload !== undefined) mercure.payload = options.payload;
  let jwt = new SignJWT({ mercure }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (options.subject !== undefined) jwt = jwt.setSubject(options.subject);
  if (options.ttlSeconds !== undefined && options.ttlSeconds > 0) jwt = jwt.setExpirationTime(`${options.ttlSeconds}s`);
  return jwt.sign(new TextEncoder().encode(options.secret));
}

export interface MintAccessTokenOptions {
  secret: string;
  /** The hub's resource identifier, for `aud`. */
  audience: string | string[];
  issuer?: string | undefined;
  publish?: TopicMatcherClaim[];
  subscribe?: TopicMatcherClaim[];
  /** The subscribe detail's payload (a JSON object). */
  payload?: unknown;
  /** Lifetime; access tokens always expire. @defaultValue 3600 */
  ttlSeconds?: number;
  subject?: string | undefined;
}

/**
 * Signs an HS256 Mercure 1.0 access token: `typ: at+jwt`, `aud`, `exp`, `iat`, `jti` (RFC 9068 §2.2) and a
 * `mercure` authorization detail per action.
 */
export async function mintAccessToken(options: MintAccessTokenOptions): Promise<string> {
  const details: Record<string, unknown>[] = [];
  if (options.publish?.length)
    details.push({ type: MERCURE_DETAIL_TYPE, actions: ['publish'], topics: options.publish });
  if (options.subscribe?.length) {
    details.push({
      type: MERCURE_DETAIL_TYPE,
      actions: ['subscribe'],
      topics: options.subscribe,
      ...(options.payload === undefined ? {} : { payload: options.payload }),
    });
  }
  let jwt = new SignJWT({ authorization_details: details })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setAudience(options.audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`);
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.subject !== undefined) jwt = jwt.setSubject(options.subject);
  return jwt.sign(new TextEncoder().encode(options.secret));
}

function parsePayload(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError('--payload must be JSON');
  }
}
