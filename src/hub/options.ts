/**
 * The hub's options, their defaults (one frozen object) and their validation.
 * @module
 */
import type { Logger } from 'pino';
import { HotlineError } from '../errors.js';
import { PARSER_DEFAULTS } from '../protocol/index.js';
import { type CompressionOptions, SESSION_DEFAULTS } from '../server/index.js';
import type { AccessTokenPolicy, Authorizer, JwtKeyOptions } from './auth/index.js';
import type { HubExtensionFactory } from './extension.js';
import { type SlowConsumerPolicies, validateSlowConsumerPolicies } from './fanout/slow-consumers.js';
import type { EventLog } from './log/event-log.js';
import { TEMPLATE_BOUNDS } from './topics/index.js';

/** Options of {@link createHub}. */
export interface HubOptions {
  /** Where updates are stored. @defaultValue an in-memory log (the CLI defaults to SQLite) */
  log?: EventLog;
  /** Verifies publishers' tokens. Without it nobody can publish over HTTP (`hub.publish()` still works). */
  publisherKey?: JwtKeyOptions;
  /** Verifies subscribers' tokens. Defaults to `publisherKey`, as Mercure's single `jwt_key` does. */
  subscriberKey?: JwtKeyOptions;
  /**
   * Another authorization scheme than the JWT keys (an API-key store, a webhook…): every route and the
   * dashboard ask it what a credential may do. Not together with `publisherKey`/`subscriberKey`, which
   * build the JWT scheme (`createJwtAuthorizer`). @defaultValue the JWT scheme of the keys
   */
  authorizer?: Authorizer;
  /**
   * The hub's resource identifier (Mercure 1.0, RFC 9068): an absolute `https:` (or `http:`) URL, usually
   * the hub's public URL (`https://hub.example.com/.well-known/mercure`). An access token (`typ: at+jwt`)
   * must name it in its `aud` claim; it is the `resource` of the protected resource metadata served at
   * `/.well-known/oauth-protected-resource/.well-known/mercure`. There is no default: the hub cannot know
   * the URL clients reach it by (behind a proxy), and one taken from the request's `Host` would let a token
   * minted for another hub that shares the key pass. Without it, access tokens are refused (401) and 0.x
   * tokens work as before. @defaultValue none
   */
  jwtAudience?: string;
  /**
   * Issuers (authorization servers) whose access tokens the hub accepts: a token's `iss` must be one of
   * them, and they are advertised as `authorization_servers` in the metadata. Empty: self-issued tokens,
   * `iss` not checked. Not applied to 0.x tokens. @defaultValue []
   */
  jwtIssuers?: string[];
  /**
   * Most entries of an access token's `authorization_details` claim; past it the token is refused (401
   * `invalid_token`). Each detail's `topics` is bounded by `maxTopics`, each matcher by `maxSelectorLength`.
   * @defaultValue 64
   */
  maxAuthorizationDetails?: number;
  /** Let subscribers without a token receive public updates. @defaultValue false */
  allowAnonymous?: boolean;
  /**
   * Origins allowed by CORS to subscribe and publish (`*` for any, without cookies). An origin may end in
   * `:*` for any port of that host — `http://localhost:*` — as `hotline serve --dev` allows. @defaultValue []
   */
  corsOrigins?: string[];
  /**
   * Origins whose pages may publish with the `mercureAuthorization` cookie, besides the hub's own (an
   * `Origin` whose host and port are the request's `Host`). A cookie publish from another origin, or with
   * neither `Origin` nor `Referer`, gets `403 HOTLINE_HUB_FORBIDDEN_ORIGIN` (cross-site request forgery).
   * `*` turns the check off, like Mercure's `publish_origins`; `http://localhost:*` allows any port of a host. Tokens in the `Authorization` header or the
   * query are not checked: another page cannot make a browser send them. @defaultValue []
   */
  publishOrigins?: string[];
  /**
   * Accept HMAC secrets shorter than 32 bytes (RFC 7518 §3.2). For development only: `hotline serve --dev`
   * sets it. @defaultValue false
   */
  allowWeakSecrets?: boolean;
  /** Largest publish body accepted, in bytes. @defaultValue 1 MiB */
  maxPublishBytes?: number;
  /**
   * Largest event the hub stores, in UTF-8 bytes of data + type + id: past it, `413`. The default is the
   * clients' own bound (`PARSER_DEFAULTS.maxEventBytes`), so every client on its defaults can receive every
   * update; raise both together. @defaultValue 1 MiB
   */
  maxEventBytes?: number;
  /** Heartbeat comment period on every stream, in ms; 0 turns it off. @defaultValue 15000 */
  heartbeatMs?: number;
  /** Bytes a slow subscriber may have queued before its stream is closed (it then resumes by id). @defaultValue 1 MiB */
  maxBufferedBytes?: number;
  /**
   * A write to a subscriber that makes no progress for this long closes its stream: the peer stopped
   * reading without closing (a half-open connection), and would pin its buffers for days. 0 turns it off.
   * @defaultValue 30000
   */
  writeTimeoutMs?: number;
  /**
   * The longest a subscriber's stream stays open, in ms, whatever its token's `exp` (Mercure 1.0 SHOULD): a
   * token without `exp` would otherwise keep its rights for ever. Each stream's bound is shortened by up to
   * 10 % at random, so streams opened together do not reconnect together; clients resume by Last-Event-ID.
   * 0 turns it off. @defaultValue 3600000 (1 h)
   */
  maxConnectionMs?: number;
  /**
   * Other slow-consumer policies for the updates of some topic selectors, e.g.
   * `{ 'https://example.com/ticker/{symbol}': { policy: 'conflate' } }`: a lagging subscriber gets the
   * latest value of each ticker instead of being disconnected. The first matching selector wins; each has
   * its own budget (`bufferLimit`) in every subscriber's queue. @defaultValue {}
   */
  slowConsumers?: SlowConsumerPolicies;
  /** Most updates replayed to one resuming subscriber; past it the subscriber gets a `reset`. @defaultValue 10000 */
  maxReplay?: number;
  /**
   * State on subscribe (`?state=latest`, `?state=last:N`): most updates in one subscriber's state, and the
   * largest N; the newest are kept. @defaultValue 100
   */
  maxStateUpdates?: number;
  /**
   * State on subscribe: most updates of history looked at, newest first, to find one subscriber's state —
   * the newest update of a topic older than that is not found. @defaultValue 10000
   */
  maxStateScan?: number;
  /** Largest `id` a publisher may set, in characters. @defaultValue 1024 */
  maxIdLength?: number;
  /** Most `topic` parameters in one publish or subscription. @defaultValue 256 */
  maxTopics?: number;
  /**
   * Longest URI-template topic selector, in characters: a subscription with a longer one gets `400
   * HOTLINE_HUB_SELECTOR_LIMIT`; a longer one in a token or a slow-consumer policy only matches itself.
   * Compiling and matching a template cost time in proportion to its length. @defaultValue 1024
   */
  maxSelectorLength?: number;
  /**
   * Most `{…}` expressions in one URI-template selector, each variable of a list counting as one (`{/a,b}`
   * expands as `{/a}{/b}`); past it, as `maxSelectorLength`. @defaultValue 16
   */
  maxTemplateExpressions?: number;
  /** Most distinct URI-template selectors in one subscription; past it, `400`. @defaultValue 64 */
  maxTemplatesPerConnection?: number;
  /**
   * Most distinct URI-template selectors one client IP holds across its open subscriptions (released when
   * they close; one held on two streams counts once); past it, `429` with `Retry-After`. 0 for no limit.
   * @defaultValue 1024
   */
  maxTemplatesPerIp?: number;
  /** Serve the page at `/`. @defaultValue true */
  homePage?: boolean;
  /** Most subscribers connected to this node; past it, `503` with `Retry-After`. @defaultValue 15000 */
  maxConnections?: number;
  /** Most subscribers from one client IP; past it, `429` with `Retry-After`. 0 for no limit. @defaultValue 0 */
  maxConnectionsPerIp?: number;
  /** A client must send its request headers within this long (slowloris defence), in ms. @defaultValue 10000 */
  headersTimeoutMs?: number;
  /** A publisher must send its whole request within this long, in ms. Streams are not bounded by it. @defaultValue 60000 */
  requestTimeoutMs?: number;
  /** Over how long a graceful drain spreads the closing of streams, in ms. @defaultValue 10000 */
  drainWindowMs?: number;
  /**
   * Serve the Mercure subscriptions API and publish each subscription's start and end as a private update
   * on `/.well-known/mercure/subscriptions/{topic}/{subscriber}` (0.x) and
   * `/.well-known/mercure/subscriptions/{matchType}/{match}/{subscriber}` (1.0) — cluster-wide on a Redis or
   * NATS log (presence). @defaultValue false
   */
  subscriptionsApi?: boolean;
  /**
   * How long the subscriptions of a node that stopped without a goodbye (a crash, a partition) stay listed,
   * in ms: each node renews its lease every third of this. @defaultValue 15000
   */
  presenceLeaseMs?: number;
  /**
   * Compress streams for clients that accept gzip or br, flushed after every write so events still arrive
   * at once. Subscribers sent the same updates share one gzip compressor, so a 200-subscriber fan-out costs
   * the same hub CPU per delivery as uncompressed, for 47 % of the bytes and +0.7 ms at the p50
   * (`npm run bench:compression`). `false` sends every stream uncompressed. @defaultValue true
   */
  compression?: boolean | CompressionOptions;
  /** A front end served by the hub (the dashboard and demo), consulted before the hub's own pages. */
  extension?: HubExtensionFactory;
  /** Structured logs (`pino`); tokens never appear in them. @defaultValue a silent logger */
  logger?: Logger;
  /**
   * What `/metrics` serves (Prometheus text) in place of this process's registry: `hotline serve --workers`
   * serves every worker's metrics, aggregated. @defaultValue this hub's own registry
   */
  metricsText?: () => Promise<string>;
}

/** Every option with its default resolved. */
export interface ResolvedHubOptions
  extends Required<
    Omit<
      HubOptions,
      | 'log'
      | 'publisherKey'
      | 'subscriberKey'
      | 'authorizer'
      | 'logger'
      | 'extension'
      | 'compression'
      | 'jwtAudience'
      | 'metricsText'
    >
  > {
  readonly compression: boolean | CompressionOptions;
  readonly publisherKey: JwtKeyOptions | undefined;
  readonly subscriberKey: JwtKeyOptions | undefined;
  readonly jwtAudience: string | undefined;
}

export const HUB_DEFAULTS = Object.freeze({
  jwtIssuers: [] as string[],
  maxAuthorizationDetails: 64,
  allowAnonymous: false,
  corsOrigins: [] as string[],
  publishOrigins: [] as string[],
  allowWeakSecrets: false,
  maxPublishBytes: 1024 * 1024,
  maxEventBytes: PARSER_DEFAULTS.maxEventBytes,
  // A hub stream is a hotline/server session: the same knobs keep the same defaults, defined once there.
  heartbeatMs: SESSION_DEFAULTS.heartbeatMs,
  maxBufferedBytes: SESSION_DEFAULTS.maxBufferedBytes,
  writeTimeoutMs: SESSION_DEFAULTS.writeTimeoutMs,
  maxConnectionMs: 3_600_000,
  maxReplay: 10_000,
  maxStateUpdates: 100,
  maxStateScan: 10_000,
  maxIdLength: 1024,
  maxTopics: 256,
  maxSelectorLength: TEMPLATE_BOUNDS.maxSelectorLength,
  maxTemplateExpressions: TEMPLATE_BOUNDS.maxTemplateExpressions,
  maxTemplatesPerConnection: 64,
  maxTemplatesPerIp: 1024,
  homePage: true,
  maxConnections: 15_000,
  maxConnectionsPerIp: 0,
  drainWindowMs: 10_000,
  subscriptionsApi: false,
  presenceLeaseMs: 15_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  slowConsumers: {} as SlowConsumerPolicies,
});

export function resolveHubOptions(options: HubOptions): ResolvedHubOptions {
  const resolved: ResolvedHubOptions = {
    jwtAudience: options.jwtAudience,
    jwtIssuers: [...(options.jwtIssuers ?? HUB_DEFAULTS.jwtIssuers)],
    maxAuthorizationDetails: options.maxAuthorizationDetails ?? HUB_DEFAULTS.maxAuthorizationDetails,
    allowAnonymous: options.allowAnonymous ?? HUB_DEFAULTS.allowAnonymous,
    corsOrigins: [...(options.corsOrigins ?? HUB_DEFAULTS.corsOrigins)],
    publishOrigins: [...(options.publishOrigins ?? HUB_DEFAULTS.publishOrigins)],
    allowWeakSecrets: options.allowWeakSecrets ?? HUB_DEFAULTS.allowWeakSecrets,
    maxPublishBytes: options.maxPublishBytes ?? HUB_DEFAULTS.maxPublishBytes,
    maxEventBytes: options.maxEventBytes ?? HUB_DEFAULTS.maxEventBytes,
    heartbeatMs: options.heartbeatMs ?? HUB_DEFAULTS.heartbeatMs,
    maxBufferedBytes: options.maxBufferedBytes ?? HUB_DEFAULTS.maxBufferedBytes,
    writeTimeoutMs: options.writeTimeoutMs ?? HUB_DEFAULTS.writeTimeoutMs,
    maxConnectionMs: options.maxConnectionMs ?? HUB_DEFAULTS.maxConnectionMs,
    maxReplay: options.maxReplay ?? HUB_DEFAULTS.maxReplay,
    maxStateUpdates: options.maxStateUpdates ?? HUB_DEFAULTS.maxStateUpdates,
    maxStateScan: options.maxStateScan ?? HUB_DEFAULTS.maxStateScan,
    maxIdLength: options.maxIdLength ?? HUB_DEFAULTS.maxIdLength,
    maxTopics: options.maxTopics ?? HUB_DEFAULTS.maxTopics,
    maxSelectorLength: options.maxSelectorLength ?? HUB_DEFAULTS.maxSelectorLength,
    maxTemplateExpressions: options.maxTemplateExpressions ?? HUB_DEFAULTS.maxTemplateExpressions,
    maxTemplatesPerConnection: options.maxTemplatesPerConnection ?? HUB_DEFAULTS.maxTemplatesPerConnection,
    maxTemplatesPerIp: options.maxTemplatesPerIp ?? HUB_DEFAULTS.maxTemplatesPerIp,
    homePage: options.homePage ?? HUB_DEFAULTS.homePage,
    maxConnections: options.maxConnections ?? HUB_DEFAULTS.maxConnections,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? HUB_DEFAULTS.maxConnectionsPerIp,
    drainWindowMs: options.drainWindowMs ?? HUB_DEFAULTS.drainWindowMs,
    subscriptionsApi: options.subscriptionsApi ?? HUB_DEFAULTS.subscriptionsApi,
    presenceLeaseMs: options.presenceLeaseMs ?? HUB_DEFAULTS.presenceLeaseMs,
    compression: options.compression ?? true,
    slowConsumers: validateSlowConsumerPolicies(options.slowConsumers ?? HUB_DEFAULTS.slowConsumers),
    headersTimeoutMs: options.headersTimeoutMs ?? HUB_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? HUB_DEFAULTS.requestTimeoutMs,
    publisherKey: options.publisherKey,
    subscriberKey: options.subscriberKey ?? options.publisherKey,
  };
  for (const name of [
    'maxPublishBytes',
    'maxEventBytes',
    'maxBufferedBytes',
    'maxReplay',
    'maxStateUpdates',
    'maxStateScan',
    'maxIdLength',
    'maxTopics',
    'maxSelectorLength',
    'maxTemplateExpressions',
    'maxTemplatesPerConnection',
    'maxConnections',
    'presenceLeaseMs',
    'maxAuthorizationDetails',
  ] as const) {
    positiveInteger(name, resolved[name]);
  }
  if (resolved.jwtAudience !== undefined) checkResourceIdentifier(resolved.jwtAudience);
  for (const issuer of resolved.jwtIssuers) {
    if (typeof issuer !== 'string' || issuer === '') throw invalid('jwtIssuers: an issuer must be a non-empty string');
  }
  for (const name of [
    'heartbeatMs',
    'writeTimeoutMs',
    'maxConnectionMs',
    'maxConnectionsPerIp',
    'maxTemplatesPerIp',
    'drainWindowMs',
  ] as const) {
    if (!Number.isSafeInteger(resolved[name]) || resolved[name] < 0)
      throw invalid(`${name} must be a non-negative integer`);
  }
  for (const [name, origins] of [
    ['corsOrigins', resolved.corsOrigins],
    ['publishOrigins', resolved.publishOrigins],
  ] as const) {
    for (const origin of origins) {
      if (origin !== '*' && !ORIGIN.test(origin)) throw invalid(`${name}: ${JSON.stringify(origin)} is not an origin`);
    }
  }
  // Secrets are checked (RFC 7518 §3.2, allowWeakSecrets) where the JWT scheme is built: createJwtAuthorizer.
  if (options.authorizer !== undefined && resolved.subscriberKey !== undefined)
    throw invalid('authorizer replaces the JWT keys: pass either authorizer or publisherKey/subscriberKey');
  return resolved;
}

/** `scheme://host[:port]`, where the port may be `*` (any port: `http://localhost:*`). */
export const ORIGIN = /^https?:\/\/[^/:]+(:(\d{1,5}|\*))?$|^https?:\/\/\[[0-9a-fA-F:.]+\](:(\d{1,5}|\*))?$/;

/** How the JWT scheme checks Mercure 1.0 access tokens, from the resolved options. */
export function accessTokenPolicy(config: ResolvedHubOptions): AccessTokenPolicy {
  return {
    audience: config.jwtAudience,
    issuers: config.jwtIssuers,
    // spec(Mercure 1.0 §Authorization Details): "Hubs SHOULD apply implementation-defined maximums to the
    // number of `mercure` authorization details, to the number of entries in each `topics` array, and to the
    // length of individual patterns." The last ones are the subscription's own bounds.
    limits: {
      maxDetails: config.maxAuthorizationDetails,
      maxTopicsPerDetail: config.maxTopics,
      maxPatternLength: config.maxSelectorLength,
      maxPatternParts: config.maxTemplateExpressions,
    },
  };
}

/**
 * spec(RFC 9728 §2): `resource` is "The protected resource's resource identifier, which is a URL that uses
 * the https scheme and has no fragment component." `http:` is let through for local development.
 */
function checkResourceIdentifier(audience: string): void {
  let url: URL | undefined;
  try {
    url = new URL(audience);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '')
    throw invalid(`jwtAudience: ${JSON.stringify(audience)} is not an absolute https URL without a fragment`);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(`${name} must be a positive integer`);
}

function invalid(message: string): HotlineError {
  return new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', message);
}
