/**
 * The Mercure subscriptions API: every active subscription of the cluster (not only this node's), as
 * JSON-LD, at `/.well-known/mercure/subscriptions[/…]` — in Mercure 0.x's shape (`/{topic}[/{subscriber}]`)
 * or 1.0's (`/{matchType}/{match}[/{subscriber}]`). A request is answered only when the token's subscribe
 * rights match the requested path, and every listed subscription must match them too: the API never
 * reveals a subscription whose events the token could not receive. Reads top-down: authorize → parse →
 * `lastEventID` → list.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Authorize, bearerChallenge, type Grant, insufficientScope } from '../auth/index.js';
import {
  EARLIEST,
  type Generation,
  JSON_LD_CONTEXT,
  type Presence,
  reconcile,
  recordAnswers,
  Subscriber,
  type SubscriptionResource,
  type SubscriptionsQuery,
  toResource,
} from '../fanout/index.js';
import { HttpRejection } from '../http-errors.js';
import type { EventLog } from '../log/event-log.js';
import { hubUrl } from '../request-url.js';
import type { TopicMatcher, TopicSelector } from '../topics/index.js';
import { parseSubscriptionsPath } from './subscriptions-path.js';

export interface SubscriptionsRouteContext {
  readonly authorize: Authorize;
  /** The cluster's active subscriptions. */
  readonly presence: Pick<Presence, 'records'>;
  /** Matches the token's subscribe rights against the path and each listed subscription. */
  readonly matcher: TopicMatcher;
  /** Where `lastEventID` comes from. */
  readonly log: Pick<EventLog, 'findPosition' | 'head' | 'readAfter' | 'last'>;
  /** Compiles the token's subscribe rights, to tell which updates it may see. */
  readonly compileClaims: (selectors: Grant['subscribe'], baseUrl: string) => TopicSelector[];
}

export async function handleSubscriptions(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: SubscriptionsRouteContext,
): Promise<void> {
  const grant = await context.authorize(req, 'subscribe');
  // An anonymous grant (the hub allows anonymous subscribers) reads nothing here: ask for a credential.
  // spec(Mercure 1.0 §Error Responses): with no token where one is required, "a 401 "Unauthorized" status code
  // with a `WWW-Authenticate: Bearer` challenge and MUST NOT include an error code".
  if (grant.source === undefined) {
    throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'the subscriptions API requires a subscriber token', {
      headers: { 'WWW-Authenticate': bearerChallenge(undefined, undefined) },
    });
  }
  const requested = url.pathname;
  // spec(Mercure 1.0 §Subscription API): "The topic to authorize is the requested URL in relative form: its
  // absolute path" — the 0.x text asks the same of the token's `mercure.subscribe` selectors.
  const base = hubUrl(req);
  if (!context.matcher.matchesAny(grant.subscribe, [requested], base)) {
    // spec(Mercure 1.0 §Subscription API): "If no detail grants `subscribe` on the requested URL, the hub MUST
    // answer `403` as defined in (#authorization)" — with `error="insufficient_scope"`.
    throw insufficientScope('the token may not read these subscriptions');
  }
  const parsed = parseSubscriptionsPath(requested);
  if (parsed === undefined) throw new HttpRejection(404, 'HOTLINE_HUB_NOT_FOUND', `nothing at ${requested}`);
  const query = { ...parsed, generation: parsed.generation ?? grantGeneration(grant) };
  // Read before the list: a change after this id reaches a client that subscribes from it, so a client
  // that lists, then subscribes with `Last-Event-ID: lastEventID`, misses nothing (presence.ts writes the
  // store before it publishes the event).
  const lastEventID = await newestVisibleId(context, grant, base);
  const visible = (resource: SubscriptionResource) => context.matcher.matchesAny(grant.subscribe, [resource.id], base);
  const matching = matchingResources(context.presence, query, visible);

  if (query.subscriber !== undefined && query.source !== undefined) {
    const first = await matching.next();
    await matching.return(undefined);
    // spec(Mercure 1.0 §Subscription API): "If the requested subscription does not exist, the hub MUST
    // return a `404` HTTP status code."
    if (first.done === true) throw new HttpRejection(404, 'HOTLINE_HUB_NOT_FOUND', 'no such subscription');
    return sendJson(res, JSON.stringify({ '@context': JSON_LD_CONTEXT, ...first.value, lastEventID }));
  }
  await sendCollection(res, requested, lastEventID, matching);
}

/**
 * A request to the collection root, whose path names no generation, is answered in its token's: Mercure
 * 1.0 documents for an access token, 0.x ones otherwise.
 */
function grantGeneration(grant: Grant): Generation {
  return grant.generation === 'access-token' ? '1.0' : '0.x';
}

/** The newest update the token may see (reconciliation's rule), so the id never names a private update. */
async function newestVisibleId(context: SubscriptionsRouteContext, grant: Grant, base: string): Promise<string> {
  const claims = context.compileClaims(grant.subscribe, base);
  const { header } = await reconcile(context.log, undefined, (update) => Subscriber.allows(claims, update));
  // spec(Mercure 1.0 §Subscription API): "The value MUST be `earliest` if no events have been dispatched yet."
  return header ?? EARLIEST;
}

async function* matchingResources(
  presence: Pick<Presence, 'records'>,
  query: SubscriptionsQuery & { generation: Generation },
  visible: (resource: SubscriptionResource) => boolean,
): AsyncGenerator<SubscriptionResource, void> {
  // Streams of one subject on several nodes are one subscription recorded by each node: listed once. Only
  // such records are remembered, so the memory a listing costs stays a page for hub-generated ids.
  const sharedSeen = new Set<string>();
  for await (const page of presence.records()) {
    for (const record of page) {
      if (!recordAnswers(record, query)) continue;
      const resource = toResource(record, query.generation, true);
      if (resource === undefined || !visible(resource)) continue;
      if (record.shared === true) {
        if (sharedSeen.has(resource.id)) continue;
        sharedSeen.add(resource.id);
      }
      yield resource;
    }
  }
}

/**
 * Writes the collection as it is read, so a listing of a large cluster costs a page of memory, not the
 * whole list. The head goes out with the first subscription (or at the end), so an engine that fails
 * early still gets a clean error status; one that fails later cuts the response off (never a body that
 * looks complete).
 */
async function sendCollection(
  res: ServerResponse,
  id: string,
  lastEventID: string,
  resources: AsyncIterable<SubscriptionResource>,
): Promise<void> {
  const head = JSON.stringify({ '@context': JSON_LD_CONTEXT, id, type: 'Subscriptions', lastEventID });
  let started = false;
  try {
    for await (const resource of resources) {
      if (res.destroyed) return; // the client went away: stop reading the engine
      if (!started) {
        res.writeHead(200, HEADERS);
        res.write(`${head.slice(0, -1)},"subscriptions":[`);
      }
      if (!res.write(`${started ? ',' : ''}${JSON.stringify(resource)}`)) await drained(res);
      started = true;
    }
  } catch (error) {
    if (started) res.destroy();
    throw error;
  }
  if (!started) return sendJson(res, `${head.slice(0, -1)},"subscriptions":[]}`);
  res.end(']}');
}

const HEADERS = { 'Content-Type': 'application/ld+json', 'Cache-Control': 'no-store' } as const;

function sendJson(res: ServerResponse, text: string): void {
  res.writeHead(200, { ...HEADERS, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
