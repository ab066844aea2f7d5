/**
 * `createHub`: wiring and lifecycle only. Publishing stores an update in the event log; a follower of
 * the log fans every stored update out to the subscribers of this node — so a single node and a cluster
 * sharing one log deliver in exactly the same way, in the log's one order.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { HotlineError } from '../errors.js';
import { encodeEvent } from '../protocol/index.js';
import { type Authorize, createAuthorize, createJwtAuthorizer } from './auth/index.js';
import { ConnectionLimits } from './connection-limits.js';
import { createCors } from './cors.js';
import type { DashboardHost } from './extension.js';
import { createFanout, createPresence, type Fanout, type Presence } from './fanout/index.js';
import { createHubServer } from './hub-server.js';
import type { HubServer, TlsCredentials } from './listen.js';
import type { EventLog, LogFollower } from './log/event-log.js';
import { invokeListener } from './log/follower-cursor.js';
import { createMemoryLog } from './log/memory.js';
import { createMemoryPresenceStore } from './log/presence-store.js';
import { LOG_REDACTION } from './log-redaction.js';
import { createHubMetrics } from './metrics.js';
import { accessTokenPolicy, type HubOptions, resolveHubOptions } from './options.js';
import type { PublishInput } from './publish-input.js';
import { createPublisher, type Publisher } from './publisher.js';
import { createRouter } from './router.js';
import { createResourceMetadata } from './routes/resource-metadata.js';
import { createTopicMatcher, TemplateLimits } from './topics/index.js';
import type { StoredUpdate } from './update.js';

/** How long a drain waits, after closing every stream, for the last bytes to leave. */
const DRAIN_GRACE_MS = 1000;

/** Options of {@link Hub.drain}. */
export interface DrainOptions {
  /** Spread the closing of streams over this long, in ms. @defaultValue the hub's `drainWindowMs` */
  windowMs?: number;
}

/** Options of {@link Hub.listen}. */
export interface ListenOptions {
  /**
   * Serve HTTPS with this certificate: HTTP/2 and HTTP/1.1 on the one port, chosen by ALPN. Replace it
   * later, without dropping a stream, with {@link Hub.setTlsCredentials}.
   */
  tls?: TlsCredentials;
}

/** What {@link Hub.stats} reports. */
export interface HubStats {
  readonly subscribers: number;
  /** Each distinct topic selector with how many subscribers of this node use it, most used first. */
  readonly selectors: { selector: string; subscribers: number }[];
  /** Updates stored through this node since it started. */
  readonly published: number;
  /** Updates written to subscribers of this node since it started (live and replayed). */
  readonly deliveries: number;
}

/** A running hub, from {@link createHub}. */
export interface Hub {
  /** The request handler, to mount in an existing node:http, Express or Fastify (raw) server. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Starts an HTTP server for the hub — HTTPS with HTTP/2 when `options.tls` is given.
   * @defaultValue port 3000, host 127.0.0.1
   */
  listen(port?: number, host?: string, options?: ListenOptions): Promise<AddressInfo>;
  /**
   * Replaces the certificate and key of an HTTPS hub: new handshakes use them, open connections and their
   * streams carry on. Throws a `HOTLINE_HUB_INVALID_OPTIONS` error, and keeps the old ones, if they
   * cannot be used.
   */
  setTlsCredentials(tls: TlsCredentials): void;
  /** Publishes from inside the process, with the same validation as HTTP publishes (no token needed). */
  publish(input: PublishInput): Promise<StoredUpdate>;
  /**
   * Graceful shutdown: stop accepting, mark not ready, tell each subscriber to come back after a jittered
   * delay and close the streams spread over the window (no thundering herd), then close.
   */
  drain(options?: DrainOptions): Promise<void>;
  /** Closes every stream, the server and the follower at once; closes the log if the hub created it. */
  close(): Promise<void>;
  /** Subscribers connected to this node. */
  readonly subscriberCount: number;
  /** The event log behind the hub. */
  readonly log: EventLog;
  /** A snapshot of this node's activity, for dashboards. */
  stats(): HubStats;
  /** The hub's Prometheus registry, as served at `/metrics`. */
  readonly metrics: ReturnType<typeof createHubMetrics>['registry'];
}

/**
 * Longer than 80 lines on purpose: it is the hub's wiring, read top to bottom — options, log, authorization,
 * fan-out, publisher, router, lifecycle — and every piece it wires lives in its own module.
 */
export async function createHub(options: HubOptions = {}): Promise<Hub> {
  const config = resolveHubOptions(options);
  // Whatever logger the user passes, what the hub logs through it goes through the redaction rules.
  const logger = (options.logger ?? pino({ level: 'silent' })).child({}, LOG_REDACTION);
  const ownsLog = options.log === undefined;
  const log =
    options.log ??
    createMemoryLog({ onFollowerError: (err, context) => logger.error({ err, ...context }, 'log follower failed') });
  // The one seam every route and the dashboard ask; the JWT keys are one scheme among others.
  const resourceMetadata =
    config.jwtAudience === undefined
      ? undefined
      : createResourceMetadata({
          resource: config.jwtAudience,
          authorizationServers: config.jwtIssuers,
          keys: options.authorizer === undefined ? [config.publisherKey, config.subscriberKey] : [],
        });
  const authorize = createAuthorize({
    authorizer:
      options.authorizer ?? (await createJwtAuthorizer({ ...config, accessTokens: accessTokenPolicy(config) })),
    allowAnonymous: config.allowAnonymous,
    publishOrigins: config.publishOrigins,
    resourceMetadata: resourceMetadata?.url,
  });
  const matcher = createTopicMatcher(config);
  const metrics = createHubMetrics(log);
  const limits = { maxIdLength: config.maxIdLength, maxTopics: config.maxTopics, maxEventBytes: config.maxEventBytes };

  const templates = new TemplateLimits(config);
  // Presence: this node's subscriptions, recorded where every node of a cluster sharing the log can list them.
  const presence: Presence | undefined = config.subscriptionsApi
    ? await createPresence({
        log,
        store: log.presence?.() ?? createMemoryPresenceStore(),
        leaseMs: config.presenceLeaseMs,
        logger,
      })
    : undefined;
  // Delivery: every update stored in the log, by any node, reaches this node's subscribers through here.
  const fanout = createFanout({
    log,
    matcher,
    slowConsumers: config.slowConsumers,
    maxBufferedBytes: config.maxBufferedBytes,
    maxReplay: config.maxReplay,
    maxStateUpdates: config.maxStateUpdates,
    maxStateScan: config.maxStateScan,
    metrics,
    logger,
    announce: presence?.announce,
  });
  const follower: LogFollower = log.follow(await log.head(), fanout.dispatch);
  const publisher = createPublisher({ log, limits, metrics, logger });
  const stats = (): HubStats => ({ ...fanout.stats(), published: publisher.published });
  const extension = options.extension?.(extensionHost({ log, logger, publisher, stats, authorize }));

  let draining = false;
  let closed = false;
  let server: HubServer | undefined;
  const router = createRouter({
    subscribe: {
      authorize,
      log,
      connections: new ConnectionLimits(config.maxConnections, config.maxConnectionsPerIp),
      templates,
      maxTopics: config.maxTopics,
      maxSelectorLength: config.maxSelectorLength,
      maxStateUpdates: config.maxStateUpdates,
      heartbeatMs: config.heartbeatMs,
      maxBufferedBytes: config.maxBufferedBytes,
      writeTimeoutMs: config.writeTimeoutMs,
      maxConnectionMs: config.maxConnectionMs,
      compression: config.compression,
      fanout,
    },
    publish: {
      authorize,
      matcher,
      limits,
      maxPublishBytes: config.maxPublishBytes,
      maxSelectorLength: config.maxSelectorLength,
      store: publisher.store,
    },
    subscriptions:
      presence === undefined
        ? undefined
        : {
            authorize,
            presence,
            matcher,
            log,
            compileClaims: (selectors, baseUrl) => templates.compileClaims(selectors, baseUrl),
          },
    cors: createCors(config.corsOrigins),
    resourceMetadata,
    extension,
    homePage: config.homePage ? () => fanout.size : undefined,
    isDraining: () => draining,
    log,
    metrics,
    metricsText: options.metricsText,
    logger,
  });

  async function shutdown(): Promise<void> {
    if (closed) return;
    closed = true;
    draining = true;
    follower.close();
    extension?.close();
    fanout.closeAll();
    // The streams' ends are announced, then this node leaves the cluster's listing, before the log closes.
    await presence?.close();
    await server?.close();
    if (ownsLog) await log.close();
  }

  return {
    handler: router.handler,
    get subscriberCount() {
      return fanout.size;
    },
    log,
    metrics: metrics.registry,
    stats,
    async listen(port = 3000, host = '127.0.0.1', listenOptions = {}) {
      if (server !== undefined) throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', 'the hub is already listening');
      server = createHubServer(config, router, listenOptions.tls);
      return server.listen(port, host);
    },
    setTlsCredentials(tls) {
      if (server?.scheme !== 'https')
        throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', 'the hub is not listening with TLS');
      server.setCredentials(tls);
    },
    publish: publisher.publish,
    async drain(drainOptions = {}) {
      if (closed) return;
      // Keep listening while draining: /readyz answers 503 so load balancers stop sending subscribers
      // here, new subscriptions get 503 + Retry-After, and publishes are still stored.
      draining = true;
      const windowMs = drainOptions.windowMs ?? config.drainWindowMs;
      logger.info({ subscribers: fanout.size, windowMs }, 'draining');
      await closeSpreadOut(fanout, windowMs);
      // Let the last bytes reach the clients before the remaining connections are cut, but never wait long.
      await server?.stopAccepting(DRAIN_GRACE_MS);
      await shutdown();
    },
    close: shutdown,
  };
}

/**
 * What the dashboard extension may do with the hub: publish (validated like HTTP), follow the log, read
 * stats, authorize its admin requests.
 */
function extensionHost(hub: {
  log: EventLog;
  logger: Logger;
  publisher: Publisher;
  stats: () => HubStats;
  authorize: Authorize;
}): DashboardHost {
  const { log, logger } = hub;
  return {
    publish: hub.publisher.publish,
    follow(listener) {
      let follower: LogFollower | undefined;
      let stopped = false;
      // The log's rule (isolate, report, keep delivering), reported in the hub's own log.
      const guarded = (update: StoredUpdate) =>
        invokeListener(listener, update, (err) =>
          logger.error({ err, position: update.position }, 'extension follower failed'),
        );
      void log.head().then((head) => {
        if (!stopped) follower = log.follow(head, guarded);
      });
      return () => {
        stopped = true;
        follower?.close();
      };
    },
    stats: hub.stats,
    authorizeAdmin: (req) => hub.authorize(req, 'admin'),
  };
}

/**
 * Each stream closes at its own moment in the window and asks its client to wait a random extra second
 * before reconnecting, so the fleet comes back spread out, not all at once.
 */
function closeSpreadOut(fanout: Fanout, windowMs: number): Promise<void> {
  return Promise.all(
    fanout.subscribers().map(
      (subscriber) =>
        new Promise<void>((resolve) => {
          setTimeout(
            () => {
              fanout.close(subscriber, encodeEvent({ retry: 500 + Math.floor(Math.random() * 1000) }));
              resolve();
            },
            Math.floor(Math.random() * windowMs),
          );
        }),
    ),
  ).then(() => undefined);
}
