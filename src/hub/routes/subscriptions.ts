/**
 * The Mercure subscriptions API: who is subscribed to what on this node, as JSON-LD, at
 * `/.well-known/mercure/subscriptions[/{topic}[/{subscriber}]]`. A request is answered only when the
 * token's `mercure.subscribe` selectors match the requested URL, and every listed subscription must match
 * them too — the API never reveals a subscription the token could not receive the events of.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authorize } from '../auth/index.js';
import {
  EARLIEST,
  SUBSCRIPTIONS_PATH,
  type Subscriber,
  type SubscriptionResource,
  subscriptionResources,
} from '../fanout/index.js';
import { HttpRejection } from '../http-errors.js';
import type { EventLog } from '../log/event-log.js';
import { decodePathSegment } from '../request-url.js';
import type { TopicMatcher } from '../topics/index.js';

export interface SubscriptionsRouteContext {
  readonly authorize: Authorize;
  readonly subscribers: () => Iterable<Subscriber>;
  readonly matcher: TopicMatcher;
  readonly log: EventLog;
}

export async function handleSubscriptions(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: SubscriptionsRouteContext,
): Promise<void> {
  const grant = await context.authorize(req, 'subscribe');
  // An anonymous grant (the hub allows anonymous subscribers) reads nothing here: ask for a credential.
  if (grant.source === undefined) {
    throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'the subscriptions API requires a subscriber token');
  }
  const requested = url.pathname;
  if (!context.matcher.matchesAny(grant.subscribe, [requested])) {
    throw new HttpRejection(403, 'HOTLINE_HUB_FORBIDDEN', 'the token may not read these subscriptions');
  }
  const [topic, subscriberId] = requested
    .slice(SUBSCRIPTIONS_PATH.length + 1)
    .split('/')
    .filter((part) => part !== '')
    .map(decodePathSegment);
  const visible: SubscriptionResource[] = [];
  for (const subscriber of context.subscribers()) {
    if (subscriberId !== undefined && subscriber.id !== subscriberId) continue;
    for (const resource of subscriptionResources(subscriber, true)) {
      if (topic !== undefined && resource.topic !== topic) continue;
      if (context.matcher.matchesAny(grant.subscribe, [resource.id])) visible.push(resource);
    }
  }
  const lastEventID = (await context.log.last())?.id ?? EARLIEST;
  const body =
    subscriberId !== undefined && topic !== undefined
      ? single(visible[0], lastEventID)
      : {
          '@context': 'https://mercure.rocks/',
          id: requested,
          type: 'Subscriptions',
          lastEventID,
          subscriptions: visible,
        };
  const text = JSON.stringify(body);
  res.writeHead(200, {
    'Content-Type': 'application/ld+json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function single(resource: SubscriptionResource | undefined, lastEventID: string) {
  if (resource === undefined) throw new HttpRejection(404, 'HOTLINE_HUB_NOT_FOUND', 'no such subscription');
  return { '@context': 'https://mercure.rocks/', ...resource, lastEventID };
}
