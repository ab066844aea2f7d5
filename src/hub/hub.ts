/**
 * `createHub`: wiring and lifecycle only. Publishing stores an update in the event log; a follower of
 * the log fans every stored update out to the subscribers of this node — so a single node and a cluster
 * sharing one log deliver in exactly the same way, in the log's one order.
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { HotlineError } from '../errors.js';
import { encodeEvent } from '../protocol/index.js';
import { createAuthorize, createJwtAuthorizer } from './auth/index.js';
import { ConnectionLimits } from './connection-limits.js';
import { createCors } from './cors.js';
import { createFanout, createPresence, SUBSCRIPTIONS_PATH } from './fanout/index.js';
import { sendHomePage } from './home-page.js';
import { answerClientError, HttpError, refuseConnect, sendError } from './http-errors.js';
import type { EventLog, LogFollower } from './log/event-log.js';
import { invokeListener } from './log/follower-cursor.js';
import { createMemoryLog } from './log/memory.js';
import { LOG_REDACTION, redactUrl, scrubText } from './log-redaction.js';
import { createHubMetrics } from './metrics.js';
import { type HubOptions, resolveHubOptions } from './options.js';
import { type PublishInput, toNewUpdate } from './publish-input.js';
import { requestUrl } from './request-url.js';
import { handleHealth, handleMetrics, handleReady } from './routes/health.js';
import { handlePublish } from './routes/publish.js';
import { handleSubscribe } from './routes/subscribe.js';
import { handleSubscriptions } from './routes/subscriptions.js';
import { TemplateLimits } from './template-limits.js';
import { createTopicMatcher } from './topics.js';
import type { NewUpdate, StoredUpdate } from './update.js';

/** How long a drain waits, after closing every stream, for the last bytes to leave. */
const DRAIN_GRACE_MS = 1000;

/** The path of the Mercure endpoint. */
export const HUB_PATH = '/.well-known/mercure';

/** Options of {@link Hub.drain}. */
export interface DrainOptions {
  /** Spread the closing of streams over this long, in ms. @defaultValue the hub's `drainWindowMs` */
  windowMs?: number;
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
  /** Starts an HTTP server for the hub. @defaultValue port 3000, host 127.0.0.1 */
  listen(port?: number, host?: string): Promise<AddressInfo>;
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

export async function createHub(options: HubOptions = {}): Promise<Hub> {
  const config = resolveHubOptions(options);
  // Whatever logger the user passes, what the hub logs through it goes through the redaction rules.
  const logger = (options.logger ?? pino({ level: 'silent' })).child({}, LOG_REDACTION);
  const ownsLog = options.log === undefined;
  const log =
    options.log ??
    createMemoryLog({ onFollowerError: (err, context) => logger.error({ err, ...context }, 'log follower failed') });
  // The one seam every route and the dashboard ask; the JWT keys are one scheme among others.
  const authorize = createAuthorize({
    authorizer: options.authorizer ?? (await createJwtAuthorizer(config)),
    allowAnonymous: config.allowAnonymous,
    publishOrigins: config.publishOrigins,
  });
  const matcher = createTopicMatcher(config);
  const templates = new TemplateLimits(config);
  const cors = createCors(config.corsOrigins);
  const metrics = createHubMetrics(log);
  const limits = { maxIdLength: config.maxIdLength, maxTopics: config.maxTopics, maxEventBytes: config.maxEventBytes };
  const connections = new ConnectionLimits(config.maxConnections, config.maxConnectionsPerIp);
  let draining = false;
  let published = 0;

  const fanout = createFanout({
    log,
    matcher,
    slowConsumers: config.slowConsumers,
    maxBufferedBytes: config.maxBufferedBytes,
    maxReplay: config.maxReplay,
    metrics,
    logger,
    announce: config.subscriptionsApi ? createPresence(log, logger) : undefined,
  });
  const follower: LogFollower = log.follow(await log.head(), fanout.dispatch);

  async function store(update: NewUpdate): Promise<StoredUpdate> {
    let stored: StoredUpdate;
    try {
      stored = await log.append(update);
    } catch (cause) {
      logger.error({ err: cause, log: log.kind }, 'event log append failed');
      throw new HttpError(503, 'HOTLINE_HUB_STORAGE_UNAVAILABLE', 'the update could not be stored; retry later', {
        cause,
        headers: { 'Retry-After': '1' },
      });
    }
    metrics.published.inc();
    published++;
    logger.debug(
      { id: stored.id, topics: stored.topics, private: stored.private, bytes: stored.data.length },
      'published',
    );
    return stored;
  }

  const subscribeContext = {
    authorize,
    log,
    connections,
    templates,
    maxTopics: config.maxTopics,
    heartbeatMs: config.heartbeatMs,
    maxBufferedBytes: config.maxBufferedBytes,
    writeTimeoutMs: config.writeTimeoutMs,
    compression: config.compression,
    fanout,
  };
  const subscriptionsContext = { authorize, subscribers: fanout.subscribers, matcher, log };
  const publishContext = {
    authorize,
    matcher,
    limits,
    maxPublishBytes: config.maxPublishBytes,
    store,
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    if (url.pathname === HUB_PATH) {
      const corsHeaders = cors.headersFor(req);
      switch (req.method) {
        case 'GET':
          if (draining)
            throw new HttpError(503, 'HOTLINE_HUB_UNAVAILABLE', 'the hub is draining', {
              headers: { 'Retry-After': '1' },
            });
          return handleSubscribe(req, res, url, subscribeContext, corsHeaders);
        case 'POST':
          return handlePublish(req, res, publishContext, corsHeaders);
        case 'OPTIONS':
          return cors.preflight(req, res);
        default:
          throw new HttpError(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
            headers: { Allow: 'GET, POST, OPTIONS', ...corsHeaders },
          });
      }
    }
    if (
      config.subscriptionsApi &&
      (url.pathname === SUBSCRIPTIONS_PATH || url.pathname.startsWith(`${SUBSCRIPTIONS_PATH}/`))
    ) {
      if (req.method !== 'GET') {
        throw new HttpError(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
          headers: { Allow: 'GET' },
        });
      }
      return handleSubscriptions(req, res, url, subscriptionsContext);
    }
    if (extension !== undefined && (await extension.handle(req, res, url))) return;
    if (req.method === 'GET' || req.method === 'HEAD') {
      switch (url.pathname) {
        case '/healthz':
          return handleHealth(res);
        case '/readyz':
          return handleReady(res, log, draining);
        case '/metrics':
          return handleMetrics(res, metrics.registry);
        case '/':
          if (config.homePage) return sendHomePage(res, fanout.size);
      }
    }
    throw new HttpError(404, 'HOTLINE_HUB_NOT_FOUND', `nothing at ${url.pathname}; the hub is at ${HUB_PATH}`);
  }

  function handler(req: IncomingMessage, res: ServerResponse): void {
    route(req, res).catch((error: unknown) => {
      const url = redactUrl(req.url ?? '');
      if (error instanceof HttpError) {
        rejected(error, { method: req.method, url });
        sendError(req, res, error);
        if (error.status === 413) req.resume();
        return;
      }
      if (req.socket.destroyed) {
        // The client went away mid-request (a publish body cut off): no one to answer, nothing broken.
        logger.debug({ err: error, method: req.method, url }, 'request aborted by the client');
        return;
      }
      // Never show an internal message to a client; the details go to the operator's log.
      logger.error({ err: error, method: req.method, url }, 'internal error');
      metrics.rejectedRequests.inc({ status: '500' });
      sendError(req, res, new HttpError(500, 'HOTLINE_HUB_INTERNAL', 'internal error'));
    });
  }

  function rejected(error: HttpError, context: Record<string, string | undefined>): void {
    metrics.rejectedRequests.inc({ status: String(error.status) });
    if (error.status === 404) return;
    logger.warn(
      { status: error.status, code: error.code, reason: scrubText(error.message), ...context },
      'request rejected',
    );
  }

  /** A request node:http could not parse: answered with a JSON error like any other (never its raw bytes). */
  function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    const answered = answerClientError(error, socket);
    if (answered !== undefined) rejected(answered, { parseError: error.code });
  }

  let server: Server | undefined;
  let closed = false;

  function stats(): HubStats {
    return { ...fanout.stats(), published };
  }

  const extension = options.extension?.({
    publish: (input) => store(toNewUpdate(input, limits)),
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
    stats,
    authorizeAdmin: (req) => authorize(req, 'admin'),
  });

  async function shutdown(): Promise<void> {
    if (closed) return;
    closed = true;
    draining = true;
    follower.close();
    extension?.close();
    fanout.closeAll();
    if (server !== undefined) {
      const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeAllConnections();
      await closing;
    }
    if (ownsLog) await log.close();
  }

  return {
    handler,
    get subscriberCount() {
      return fanout.size;
    },
    log,
    metrics: metrics.registry,
    stats,
    async listen(port = 3000, host = '127.0.0.1') {
      if (server !== undefined) throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', 'the hub is already listening');
      // Slowloris-safe: headers must arrive within headersTimeoutMs and a publish within requestTimeoutMs; a
      // stream, once its request is in, is bounded by neither. Node checks these timers only every
      // connectionsCheckingInterval, so that interval follows the timeout.
      const created = createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: config.headersTimeoutMs,
          keepAliveTimeout: 5_000,
          connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.headersTimeoutMs / 4))),
        },
        handler,
      );
      created.on('clientError', onClientError);
      created.on('connect', (req: IncomingMessage, socket: Duplex) =>
        rejected(refuseConnect(socket), { method: req.method, url: redactUrl(req.url ?? '') }),
      );
      server = created;
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      return created.address() as AddressInfo;
    },
    async publish(input) {
      return store(toNewUpdate(input, limits));
    },
    async drain(drainOptions = {}) {
      if (closed) return;
      // Keep listening while draining: /readyz answers 503 so load balancers stop sending subscribers
      // here, new subscriptions get 503 + Retry-After, and publishes are still stored.
      draining = true;
      const windowMs = drainOptions.windowMs ?? config.drainWindowMs;
      const subscribers = fanout.subscribers();
      logger.info({ subscribers: subscribers.length, windowMs }, 'draining');
      await Promise.all(
        subscribers.map(
          (subscriber) =>
            new Promise<void>((resolve) => {
              // Each stream closes at its own moment in the window and asks its client to wait a random
              // extra second before reconnecting, so the fleet comes back spread out, not all at once.
              setTimeout(
                () => {
                  fanout.close(subscriber, encodeEvent({ retry: 500 + Math.floor(Math.random() * 1000) }));
                  resolve();
                },
                Math.floor(Math.random() * windowMs),
              );
            }),
        ),
      );
      // Let the last bytes reach the clients before the remaining connections are cut, but never wait long.
      if (server !== undefined) {
        const listening = server;
        await new Promise<void>((resolve) => {
          const grace = setTimeout(resolve, DRAIN_GRACE_MS);
          listening.close(() => {
            clearTimeout(grace);
            resolve();
          });
        });
      }
      await shutdown();
    },
    close: shutdown,
  };
}
