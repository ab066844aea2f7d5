/**
 * Presence (Mercure): each subscription is a resource, `/.well-known/mercure/subscriptions/{topic}/{subscriber}`,
 * and its start and end are published as private updates on that id — stored in the log like any other
 * update, so every node of a cluster (and the subscriptions API) sees them in the log's one order.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventLog } from '../log/event-log.js';
import type { NewUpdate } from '../update.js';
import type { Subscriber } from './subscriber.js';

export const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions';

/** One subscription: one topic selector of one subscriber. */
export interface SubscriptionResource {
  id: string;
  type: 'Subscription';
  topic: string;
  subscriber: string;
  active: boolean;
  payload?: unknown;
}

/** The id (and presence topic) of a subscription, as Mercure builds it. */
export function subscriptionId(selector: string, subscriberId: string): string {
  return `${SUBSCRIPTIONS_PATH}/${encodeURIComponent(selector)}/${encodeURIComponent(subscriberId)}`;
}

export function subscriptionResources(subscriber: Subscriber, active: boolean): SubscriptionResource[] {
  return subscriber.selectors.map((topic) => {
    const resource: SubscriptionResource = {
      id: subscriptionId(topic, subscriber.id),
      type: 'Subscription',
      topic,
      subscriber: subscriber.id,
      active,
    };
    if (subscriber.payload !== undefined) resource.payload = subscriber.payload;
    return resource;
  });
}

/** Announces a subscriber's start (`active`) or end by storing one private update per subscription. */
export type Announce = (subscriber: Subscriber, active: boolean) => void;

export function createPresence(log: EventLog, logger: Logger): Announce {
  return (subscriber, active) => {
    for (const resource of subscriptionResources(subscriber, active)) {
      const update: NewUpdate = {
        id: `urn:uuid:${randomUUID()}`,
        topics: [resource.id],
        data: JSON.stringify({ '@context': 'https://mercure.rocks/', ...resource }),
        private: true,
        type: undefined,
        retry: undefined,
        publishedAt: Date.now(),
      };
      // Presence is best effort: a subscription must not fail because its announcement could not be stored.
      log.append(update).catch((error: unknown) => logger.warn({ err: error }, 'presence update not stored'));
    }
  };
}
