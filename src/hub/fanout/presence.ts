/**
 * Presence (Mercure "Active Subscriptions"), cluster-wide. Each subscription of this node is recorded in
 * the presence store the nodes share (`log/presence-store.ts`), under this node's lease, and its start and
 * end are published as private updates in the log — in both generations' shapes where they exist — so every
 * node's subscribers and subscriptions API see every subscription of the cluster, in the log's one order.
 *
 * Ordering that makes the API and the events agree: a subscription is written to the store *before* its
 * event is appended (and removed before its end is), so a client that reads the API's `lastEventID`, then
 * the list, then subscribes from that id, misses nothing.
 *
 * Liveness: the node renews its lease every third of `leaseMs`; a node that dies without a goodbye stops
 * being listed when its lease runs out, and the next live node to reap takes its subscriptions and
 * publishes their ends (`active: false`). Memory: one record per distinct subscription of this node.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventLog } from '../log/event-log.js';
import type { PresenceStore } from '../log/presence-store.js';
import type { TopicSelector } from '../topics/index.js';
import type { NewUpdate } from '../update.js';
import type { Subscriber } from './subscriber.js';
import {
  type Generation,
  JSON_LD_CONTEXT,
  type MatcherKind,
  parseRecord,
  recordIdentity,
  type SubscriptionRecord,
  toResource,
} from './subscription-resources.js';

/** Announces a subscriber's start (`active`) or end. */
export type Announce = (subscriber: Subscriber, active: boolean) => void;

export interface PresenceOptions {
  /** Where the start and end events are published. */
  readonly log: Pick<EventLog, 'append'>;
  /** The shared record of subscriptions (in memory for a single process). */
  readonly store: PresenceStore;
  /** How long this node's subscriptions stay listed after it stops renewing its lease. */
  readonly leaseMs: number;
  readonly logger: Logger;
  /** This node's id in the store. @defaultValue a random UUID */
  readonly node?: string;
}

export interface Presence {
  readonly announce: Announce;
  /** Every active subscription of the cluster, a page at a time. */
  records(): AsyncIterable<SubscriptionRecord[]>;
  /** Waits for pending announcements, then leaves the store (this node's subscriptions are no longer listed). */
  close(): Promise<void>;
}

const GENERATIONS: readonly Generation[] = ['0.x', '1.0'];

/** The subscriptions a subscriber holds, one per distinct topic selector. */
function subscriberRecords(subscriber: Subscriber): SubscriptionRecord[] {
  // spec(Mercure 1.0 §Subscription Events): "the hub MUST derive the identifier exclusively from information
  // it has cryptographically validated — typically the `sub` claim […] For unauthenticated subscribers […]
  // the hub MUST generate the identifier itself"; and "If a subscriber has several subscriptions, the hub
  // SHOULD assign the same `{subscriber}` value to all of them when it can correlate them".
  const id = subscriber.subject ?? subscriber.id;
  const records = new Map<string, SubscriptionRecord>();
  for (const [index, selector] of subscriber.topicSelectors.entries()) {
    let record: SubscriptionRecord = { subscriber: id, kind: kindOf(selector), source: selector.source };
    const payload = subscriber.payloadOf(index);
    if (payload !== undefined) record = { ...record, payload };
    if (subscriber.subject !== undefined) record = { ...record, shared: true };
    // spec(Mercure 1.0 §Subscription): "Hubs MAY deduplicate subscriptions that have identical matcher type
    // and pattern."
    records.set(recordIdentity(record), record);
  }
  return [...records.values()];
}

function kindOf(selector: TopicSelector): MatcherKind {
  return selector.kind;
}

/** The private updates announcing `record`'s start or end: one per generation that can express it. */
function presenceUpdates(record: SubscriptionRecord, active: boolean): NewUpdate[] {
  const updates: NewUpdate[] = [];
  for (const generation of GENERATIONS) {
    const resource = toResource(record, generation, active);
    if (resource === undefined) continue;
    updates.push({
      id: `urn:uuid:${randomUUID()}`,
      topics: [resource.id],
      data: JSON.stringify({ '@context': JSON_LD_CONTEXT, ...resource }),
      // spec(Mercure 1.0 §Subscription Events): "To restrict subscription events to authorized subscribers,
      // the subscription update MUST be marked as `private`."
      private: true,
      type: undefined,
      retry: undefined,
      publishedAt: Date.now(),
    });
  }
  return updates;
}

/**
 * Starts presence for this node: its first lease is asked for before this resolves, so its subscriptions are
 * listed from the first one on (or, if the engine failed that once, from the next renewal).
 */
export async function createPresence(options: PresenceOptions): Promise<Presence> {
  const { log, store, leaseMs, logger } = options;
  const node = options.node ?? randomUUID();
  /**
   * This node's subscriptions, keyed as in the store by their identity, with how many of this node's
   * streams hold each: streams of one subject on one matcher are one subscription, started by the first
   * and ended by the last.
   */
  const held = new Map<string, { record: SubscriptionRecord; streams: number }>();
  /** Per subscriber, the announcements in flight: its end must follow its start. */
  const chains = new Map<Subscriber, Promise<void>>();

  const warn = (error: unknown, message: string) => logger.warn({ err: error }, message);
  const publish = async (records: Iterable<SubscriptionRecord>, active: boolean) => {
    for (const record of records) for (const update of presenceUpdates(record, active)) await log.append(update);
  };

  async function start(subscriber: Subscriber): Promise<void> {
    const started: SubscriptionRecord[] = [];
    for (const record of subscriberRecords(subscriber)) {
      const key = recordIdentity(record);
      const entry = held.get(key);
      if (entry !== undefined) {
        entry.streams++;
        continue;
      }
      held.set(key, { record, streams: 1 });
      // A subject's subscription another node holds already was announced by it: looked up before the put,
      // so of two nodes starting it at once both announce (a repeated start), never neither.
      const elsewhere = record.shared === true && (await store.holders(key)) > 0;
      await store.put(node, key, JSON.stringify(record));
      if (!elsewhere) started.push(record);
    }
    await publish(started, true);
  }

  async function end(subscriber: Subscriber): Promise<void> {
    const ended: SubscriptionRecord[] = [];
    for (const record of subscriberRecords(subscriber)) {
      const key = recordIdentity(record);
      const entry = held.get(key);
      if (entry === undefined || --entry.streams > 0) continue;
      held.delete(key);
      await store.delete(node, key);
      // Looked up after the delete: of two nodes ending it at once both announce (a repeated end), never
      // neither; while another node holds it, it has not ended.
      if (!(await heldElsewhere(record))) ended.push(record);
    }
    await publish(ended, false);
  }

  /** A subject's subscription still held by a live node has not ended; other subscriptions are one stream's. */
  async function heldElsewhere(record: SubscriptionRecord): Promise<boolean> {
    return record.shared === true && (await store.holders(recordIdentity(record))) > 0;
  }

  /** Renews the lease; puts everything back if the node had been presumed dead. */
  async function renew(): Promise<void> {
    if ((await store.renew(node, leaseMs)) || held.size === 0) return;
    logger.warn({ node, subscriptions: held.size }, 'presence lease was lost; recording subscriptions again');
    const records = [...held].map(([key, { record }]) => ({ key, record }));
    for (const { key, record } of records) await store.put(node, key, JSON.stringify(record));
    await publish(
      records.map(({ record }) => record),
      true,
    );
  }

  /** Takes the nodes whose lease ran out and announces the end of what they held. */
  async function reap(): Promise<void> {
    const reaped = (await store.reap()).flatMap((value) => parseRecord(value) ?? []);
    if (reaped.length > 0) logger.info({ subscriptions: reaped.length }, 'presence: a node left without a goodbye');
    const ended: SubscriptionRecord[] = [];
    for (const record of reaped) if (!(await heldElsewhere(record))) ended.push(record);
    await publish(ended, false);
  }

  // A hub starts even if the engine hiccups now: the timer below renews again within a third of a lease.
  await store.renew(node, leaseMs).catch((error: unknown) => warn(error, 'presence lease not taken'));
  // One renewal and one reaping at a time, each on its own: a slow engine must not pile requests up, and
  // a slow reaping (a scan of the leases, a dead node's ends) must not delay this node's own renewal.
  let renewing: Promise<void> | undefined;
  let reaping: Promise<void> | undefined;
  const timer = setInterval(
    () => {
      renewing ??= renew()
        .catch((error: unknown) => warn(error, 'presence lease not renewed'))
        .finally(() => (renewing = undefined));
      reaping ??= reap()
        .catch((error: unknown) => warn(error, 'presence: dead nodes not reaped'))
        .finally(() => (reaping = undefined));
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  timer.unref();

  return {
    announce(subscriber, active) {
      const previous = chains.get(subscriber) ?? Promise.resolve();
      // Presence is best effort: a subscription must not fail because its announcement could not be stored.
      const next = previous
        .then(() => (active ? start(subscriber) : end(subscriber)))
        .catch((error: unknown) => warn(error, 'presence update not stored'));
      chains.set(subscriber, next);
      if (!active) void next.then(() => chains.get(subscriber) === next && chains.delete(subscriber));
    },
    async *records() {
      for await (const page of store.values()) yield page.flatMap((value) => parseRecord(value) ?? []);
    },
    async close() {
      clearInterval(timer);
      await Promise.all([renewing, reaping]);
      await Promise.all(chains.values());
      await store.leave(node).catch((error: unknown) => warn(error, 'presence lease not released'));
    },
  };
}
