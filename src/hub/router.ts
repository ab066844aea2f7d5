/**
 * The hub's request router: which route answers a request, and how a failure becomes an answer. Every
 * refusal is an `HttpRejection` turned into a JSON 4xx (counted, logged redacted); anything else is a 500
 * whose details go to the operator's log only. Requests node:http cannot parse, and CONNECT, get the same
 * JSON answers (issue L).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Cors } from './cors.js';
import type { HubExtension } from './extension.js';
import { SUBSCRIPTIONS_PATH } from './fanout/index.js';
import { sendHomePage } from './home-page.js';
import { answerClientError, HttpRejection, refuseConnect, sendError } from './http-errors.js';
import type { EventLog } from './log/event-log.js';
import { redactUrl, scrubText } from './log-redaction.js';
import type { HubMetrics } from './metrics.js';
import { requestUrl } from './request-url.js';
import { handleHealth, handleMetrics, handleReady } from './routes/health.js';
import { handlePublish, type PublishRouteContext } from './routes/publish.js';
import { handleResourceMetadata, type ResourceMetadata } from './routes/resource-metadata.js';
import { handleSubscribe, type SubscribeRouteContext } from './routes/subscribe.js';
import { handleSubscriptions, type SubscriptionsRouteContext } from './routes/subscriptions.js';

/** The path of the Mercure endpoint. */
export const HUB_PATH = '/.well-known/mercure';

export interface RouterContext {
  readonly subscribe: SubscribeRouteContext;
  readonly publish: PublishRouteContext;
  /** The Mercure subscriptions API, when the hub serves it. */
  readonly subscriptions: SubscriptionsRouteContext | undefined;
  readonly cors: Cors;
  /** The protected resource metadata (RFC 9728), when the hub has a resource identifier. */
  readonly resourceMetadata: ResourceMetadata | undefined;
  readonly extension: HubExtension | undefined;
  /** Serve the page at `/`, showing this node's subscriber count. */
  readonly homePage: (() => number) | undefined;
  /** While draining, new subscriptions get 503 and `/readyz` says so. */
  readonly isDraining: () => boolean;
  readonly log: EventLog;
  readonly metrics: HubMetrics;
  /** Replaces the registry's text at `/metrics` (a cluster's aggregate). */
  readonly metricsText: (() => Promise<string>) | undefined;
  /** The hub's redacting logger. */
  readonly logger: Logger;
}

export interface Router {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** For the server's `clientError` event. */
  readonly onClientError: (error: NodeJS.ErrnoException, socket: Duplex) => void;
  /** For the server's `connect` event. */
  readonly onConnect: (req: IncomingMessage, socket: Duplex) => void;
}

/**
 * A closure over the route contexts; longer than 80 lines only because it holds the routing table and the
 * one place a failure becomes an answer (each inner function under 35 lines).
 */
export function createRouter(context: RouterContext): Router {
  const { cors, extension, metrics, logger } = context;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    if (url.pathname === HUB_PATH) return routeHub(req, res, url);
    if (context.resourceMetadata?.paths.has(url.pathname))
      return handleResourceMetadata(req, res, context.resourceMetadata);
    if (
      context.subscriptions !== undefined &&
      (url.pathname === SUBSCRIPTIONS_PATH || url.pathname.startsWith(`${SUBSCRIPTIONS_PATH}/`))
    ) {
      if (req.method !== 'GET') {
        throw new HttpRejection(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
          headers: { Allow: 'GET' },
        });
      }
      return handleSubscriptions(req, res, url, context.subscriptions);
    }
    if (extension !== undefined && (await extension.handle(req, res, url))) return;
    if (req.method === 'GET' || req.method === 'HEAD') {
      switch (url.pathname) {
        case '/healthz':
          return handleHealth(res);
        case '/readyz':
          return handleReady(res, context.log, context.isDraining());
        case '/metrics':
          return handleMetrics(res, metrics.registry, context.metricsText);
        case '/':
          if (context.homePage !== undefined) return sendHomePage(res, context.homePage());
      }
    }
    throw new HttpRejection(404, 'HOTLINE_HUB_NOT_FOUND', `nothing at ${url.pathname}; the hub is at ${HUB_PATH}`);
  }

  async function routeHub(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const corsHeaders = cors.headersFor(req);
    switch (req.method) {
      case 'GET':
        if (context.isDraining())
          throw new HttpRejection(503, 'HOTLINE_HUB_UNAVAILABLE', 'the hub is draining', {
            headers: { 'Retry-After': '1' },
          });
        return handleSubscribe(req, res, url, context.subscribe, corsHeaders);
      case 'POST':
        return handlePublish(req, res, context.publish, corsHeaders);
      case 'OPTIONS':
        return cors.preflight(req, res);
      default:
        throw new HttpRejection(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
          headers: { Allow: 'GET, POST, OPTIONS', ...corsHeaders },
        });
    }
  }

  function handler(req: IncomingMessage, res: ServerResponse): void {
    route(req, res).catch((error: unknown) => {
      const url = redactUrl(req.url ?? '');
      if (error instanceof HttpRejection) {
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
      sendError(req, res, new HttpRejection(500, 'HOTLINE_HUB_INTERNAL', 'internal error'));
    });
  }

  function rejected(error: HttpRejection, details: Record<string, string | undefined>): void {
    metrics.rejectedRequests.inc({ status: String(error.status) });
    if (error.status === 404) return;
    // A 5xx refusal is the hub's own trouble (storage down): its cause is what the operator needs.
    const cause = error.status >= 500 && error.cause !== undefined ? { err: error.cause } : {};
    logger.warn(
      { status: error.status, code: error.code, reason: scrubText(error.message), ...cause, ...details },
      'request rejected',
    );
  }

  return {
    handler,
    // A request node:http could not parse: answered with a JSON error like any other (never its raw bytes).
    onClientError(error, socket) {
      const answered = answerClientError(error, socket);
      if (answered !== undefined) rejected(answered, { parseError: error.code });
    },
    onConnect(req, socket) {
      rejected(refuseConnect(socket), { method: req.method, url: redactUrl(req.url ?? '') });
    },
  };
}
