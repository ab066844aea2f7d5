/**
 * `GET /.well-known/mercure?topic=…`: authorize, open the stream, resume, go live.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CompressionOptions, createSession } from '../../server/index.js';
import { type Authorize, bearerChallenge, streamExpiry, withChallenge } from '../auth/index.js';
import { streamDeadline } from '../connection-lifetime.js';
import type { ConnectionLimits } from '../connection-limits.js';
import {
  type Fanout,
  parseStateRequest,
  type Reconciliation,
  reconcile,
  Subscriber,
  subscriptionPayloads,
} from '../fanout/index.js';
import { HttpRejection } from '../http-errors.js';
import type { EventLog } from '../log/event-log.js';
import { hubUrl } from '../request-url.js';
import { type MatcherSpec, matcherText, type TemplateLimits, type TopicSelector } from '../topics/index.js';
import { parseSubscribeMatchers } from './subscribe-matchers.js';

/** The query parameter with which `hotline doctor` asks for timed probe comments. */
export const PROBE_PARAMETER = 'hotlineProbe';
/** The gap between the two probes: arriving much closer together means something buffered them. */
export const PROBE_GAP_MS = 500;

/**
 * Two comments sent `PROBE_GAP_MS` apart, each carrying its send time. Comments are ignored by every
 * client, so probing never disturbs a real subscriber.
 */
function sendProbes(session: { comment(text: string): boolean; closed: boolean }): void {
  session.comment(`probe 1 ${Date.now()}`);
  const timer = setTimeout(() => {
    if (!session.closed) session.comment(`probe 2 ${Date.now()}`);
  }, PROBE_GAP_MS);
  timer.unref();
}

export interface SubscribeRouteContext {
  /** Anonymous subscribers (when the hub allows them) get a grant with no rights: public updates only. */
  readonly authorize: Authorize;
  /** Where the `Last-Event-ID` response header comes from (Mercure reconciliation). */
  readonly log: Pick<EventLog, 'findPosition' | 'head' | 'readAfter' | 'last'>;
  readonly connections: ConnectionLimits;
  /** Compiles the selectors before the stream opens, within the template limits. */
  readonly templates: TemplateLimits;
  /** Most `topic` and `match*` parameters of one request. */
  readonly maxTopics: number;
  /** Longest `match*` value (a `topic` template past it is refused by `templates`). */
  readonly maxSelectorLength: number;
  /** The largest N of `state=last:N` (state on subscribe, `fanout/state-request.ts`). */
  readonly maxStateUpdates: number;
  readonly heartbeatMs: number;
  readonly maxBufferedBytes: number;
  readonly writeTimeoutMs: number;
  /** The longest a stream stays open, token or not (0 for no bound); see connection-lifetime.ts. */
  readonly maxConnectionMs: number;
  readonly compression: boolean | CompressionOptions;
  /** Takes the subscriber from here: index, replay, live delivery, presence, metrics. */
  readonly fanout: Pick<Fanout, 'attach' | 'detach'>;
}

export async function handleSubscribe(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: SubscribeRouteContext,
  extraHeaders: Record<string, string>,
): Promise<void> {
  // Who asks comes first: a refused client learns nothing about, and costs nothing for, its selectors.
  const grant = await context.authorize(req, 'subscribe');
  // 0.x `topic` selectors and 1.0 `match*` matchers alike: each one a subscription.
  const rules = parseSubscribeMatchers(url.search, context);
  // Every template and URL pattern is compiled here, once, in time linear in its length: never on a publish.
  const base = hubUrl(req);
  const topicSelectors = compileRules(context.templates, rules, base);
  const privateSelectors = context.templates.compileClaims(grant.subscribe, base);
  const state = parseStateRequest(url.searchParams, rules.map(matcherText), context.maxStateUpdates);
  const release = admit(req, context, topicSelectors);
  let reconciliation: Reconciliation;
  try {
    // Resolved before the stream opens, as the `Last-Event-ID` header goes out with the response head;
    // after admission, so a client over its limits costs no read of history.
    reconciliation = await reconcile(context.log, requestedLastEventId(req, url), (update) =>
      Subscriber.allows(privateSelectors, update),
    );
  } catch (cause) {
    release();
    // The log did not answer (an engine timing out under a connect storm, say): nothing is wrong with the
    // request, so the client is told to come back, as a publisher is, rather than given a 500.
    throw new HttpRejection(503, 'HOTLINE_HUB_STORAGE_UNAVAILABLE', 'history could not be read; retry later', {
      cause,
      headers: { 'Retry-After': '1' },
    });
  }
  const { header, from } = reconciliation;

  const session = createSession(req, res, {
    heartbeatMs: context.heartbeatMs,
    maxBufferedBytes: context.maxBufferedBytes,
    writeTimeoutMs: context.writeTimeoutMs,
    backpressure: 'close',
    compression: context.compression,
    headers: {
      ...extraHeaders,
      ...(header === undefined ? {} : { 'Last-Event-ID': header }),
      // spec(Mercure 1.0 §URI Query Parameter): "Server success (2XX status) responses to these requests
      // SHOULD contain a `Cache-Control` header with the `private` option." The stream's own `no-cache,
      // no-transform` stay.
      ...(grant.source === 'query' ? { 'Cache-Control': 'private, no-cache, no-transform' } : {}),
    },
  });
  if (url.searchParams.has(PROBE_PARAMETER)) sendProbes(session);
  const subscriber = new Subscriber({
    id: `urn:uuid:${randomUUID()}`,
    selectors: topicSelectors,
    privateSelectors,
    payload: grant.payload,
    // Presence names the subscriber by its token's verified `sub`, with the payload of its first matching
    // `subscribe` detail per subscription (Mercure 1.0; see fanout/presence.ts).
    subject: grant.subject,
    payloads: subscriptionPayloads(topicSelectors, grant.subscribePayloads, grant.payload, (topics) =>
      context.templates.compileClaims(topics, base),
    ),
    stream: session,
  });
  session.on('close', () => context.fanout.detach(subscriber, session.closeReason === 'slow-consumer'));
  // spec(Mercure §Subscribers): "If the presented JWS contains an expiration time in the standard `exp`
  // claim defined in [RFC7519], the connection MUST be closed by the hub at that time." Scheduled before the
  // replay, so a long replay cannot outlive the token; the client reconnects with a fresh one. The hub's own
  // lifetime bound (connection-lifetime.ts) may come first.
  const deadline = streamDeadline(grant.exp, context.maxConnectionMs);
  if (deadline !== undefined)
    session.on(
      'close',
      streamExpiry.schedule(deadline, () => session.close()),
    );
  // A Last-Event-ID wins over a state request: state is for a fresh subscriber, a resume owes what was missed.
  await context.fanout.attach(subscriber, from ?? state, release);
}

/**
 * Compiles the request's rules within the template limits. A request with a 1.0 matcher is answered as 1.0
 * answers a malformed request: spec(Mercure 1.0 §Error Responses): "If the request is malformed, the hub MUST
 * return a 400 "Bad Request" status code with `error="invalid_request"`."
 */
function compileRules(templates: TemplateLimits, rules: readonly MatcherSpec[], base: string): TopicSelector[] {
  try {
    return templates.compile(rules, base);
  } catch (error) {
    const speaks1 = rules.some((rule) => typeof rule !== 'string');
    if (!speaks1 || !(error instanceof HttpRejection) || error.status !== 400) throw error;
    throw withChallenge(error, bearerChallenge('invalid_request', undefined));
  }
}

/** Counts the subscriber against the template and connection limits; returns what gives both back. */
function admit(req: IncomingMessage, context: SubscribeRouteContext, selectors: TopicSelector[]): () => void {
  const ip = req.socket.remoteAddress ?? 'unknown';
  const releaseTemplates = context.templates.admit(ip, selectors);
  let releaseConnection: () => void;
  try {
    releaseConnection = context.connections.admit(ip);
  } catch (error) {
    releaseTemplates();
    throw error;
  }
  return () => {
    releaseConnection();
    releaseTemplates();
  };
}

/** `Last-Event-ID` header first, then the `lastEventID` query parameter browsers can set (Mercure). */
function requestedLastEventId(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return header;
  for (const name of ['lastEventID', 'Last-Event-ID', 'lastEventId']) {
    const value = url.searchParams.get(name);
    if (value !== null && value !== '') return value;
  }
  return undefined;
}
