/**
 * `createFanout`: the one interface through which updates reach this node's subscribers. The log
 * follower calls `dispatch` with every stored update; the subscribe route calls `attach` once a stream is
 * open. Everything between — the index of who wants what, the frame encoded once, replay on resume,
 * presence, delivery metrics — stays behind it.
 * @module
 */
import type { Logger } from 'pino';
import type { EventLog } from '../log/event-log.js';
import type { HubMetrics } from '../metrics.js';
import type { TopicMatcher } from '../topics/index.js';
import type { StoredUpdate } from '../update.js';
import type { Announce } from './presence.js';
import { type ResumePoint, resume } from './resume.js';
import { createUpdateEncoder, type SlowConsumerPolicies } from './slow-consumers.js';
import { sendState } from './state.js';
import type { StateRequest } from './state-request.js';
import type { Subscriber } from './subscriber.js';
import { SubscriberIndex } from './subscriber-index.js';

export interface FanoutOptions {
  /** Where replay reads history from. */
  readonly log: EventLog;
  readonly matcher: TopicMatcher;
  readonly slowConsumers: SlowConsumerPolicies;
  /** The default budget of a subscriber's queue, for policies that set none. */
  readonly maxBufferedBytes: number;
  /** Most updates replayed to one resuming subscriber; past it, a `reset`. */
  readonly maxReplay: number;
  /** Most updates in the state sent to one fresh subscriber that asked for state. */
  readonly maxStateUpdates: number;
  /** Most updates of history looked at, newest first, to find one subscriber's state. */
  readonly maxStateScan: number;
  readonly metrics: HubMetrics;
  /** The hub's redacting logger. */
  readonly logger: Logger;
  /** Presence: told when a subscriber is attached (`true`) and detached (`false`). */
  readonly announce?: Announce | undefined;
}

/** What {@link Fanout.stats} reports. */
export interface FanoutStats {
  readonly subscribers: number;
  /** Each distinct topic selector with how many subscribers of this node use it, most used first. */
  readonly selectors: { selector: string; subscribers: number }[];
  /** Updates written to subscribers of this node since it started (live and replayed). */
  readonly deliveries: number;
}

export interface Fanout {
  /**
   * Adds a subscriber whose stream is open, replays what it missed since `from` (an id, or one already
   * resolved by `reconcile`) or sends it the state it asked for (`state.ts`), and switches it to live.
   * `release` runs once, when it is detached (connection and template limits). Never rejects: when
   * history cannot be read, the failure is logged and counted and the stream closed, so the client resumes.
   */
  attach(
    subscriber: Subscriber,
    from: string | ResumePoint | StateRequest | undefined,
    release?: () => void,
  ): Promise<void>;
  /** Removes a subscriber whose stream closed; `slowConsumer`: closed for reading too slowly. */
  detach(subscriber: Subscriber, slowConsumer: boolean): void;
  /** Writes one stored update to every subscriber that wants it. */
  dispatch(update: StoredUpdate): void;
  stats(): FanoutStats;
  /** A snapshot of the attached subscribers. */
  subscribers(): Subscriber[];
  readonly size: number;
  /** Closes one subscriber's stream, after writing `lastFrame` to it if given. */
  close(subscriber: Subscriber, lastFrame?: Uint8Array): void;
  /** Closes every stream (shutdown). */
  closeAll(): void;
}

/**
 * A closure over the index, the encoder and the counters, so no caller can reach them; it is longer than
 * 80 lines only because it holds the interface's six short functions (none over 35 lines).
 */
export function createFanout(options: FanoutOptions): Fanout {
  const { log, metrics, logger, announce } = options;
  const index = new SubscriberIndex();
  const encode = createUpdateEncoder(options.slowConsumers, options.maxBufferedBytes, options.matcher);
  const releases = new Map<Subscriber, () => void>();
  // Half the default budget: a paced replay never gets near the point where a reader counts as slow.
  const replayBufferBytes = Math.floor(options.maxBufferedBytes / 2);
  let deliveries = 0;

  function counted(recipients: number): void {
    metrics.deliveries.inc(recipients);
    deliveries += recipients;
  }

  /**
   * Closing runs the stream's close listeners (the app's logger among them); one that throws must not stop a
   * shutdown, a drain or a fan-out halfway.
   */
  function close(subscriber: Subscriber, lastFrame?: Uint8Array): void {
    try {
      if (lastFrame !== undefined) subscriber.stream.writeFrame(lastFrame);
      subscriber.stream.close();
    } catch (err) {
      logger.error({ err, subscriber: subscriber.id }, 'closing a stream failed');
    }
  }

  function dispatch(update: StoredUpdate): void {
    if (index.size === 0) return;
    // Serialize (and classify for slow consumers) once: every recipient gets the same bytes.
    const outgoing = encode(update);
    let recipients = 0;
    const broken: Subscriber[] = [];
    index.forEachRecipient(update, (subscriber) => {
      // A write can run a closing stream's listeners, and one that throws must not cost the subscribers
      // after it this update. Its stream is closed once the loop is done (not while the index is being
      // walked); the client reconnects with Last-Event-ID and gets the update then.
      try {
        subscriber.deliver(update.position, outgoing);
        recipients++;
      } catch (err) {
        logger.error({ err, subscriber: subscriber.id, position: update.position }, 'delivery failed');
        broken.push(subscriber);
      }
    });
    for (const subscriber of broken) close(subscriber);
    if (recipients === 0) return;
    counted(recipients);
    metrics.bytesWritten.inc(recipients * outgoing.frame.byteLength);
    metrics.publishToWrite.observe(Math.max(0, Date.now() - update.publishedAt) / 1000);
  }

  async function attach(
    subscriber: Subscriber,
    from: string | ResumePoint | StateRequest | undefined,
    release?: () => void,
  ) {
    // Into the index first: from here on it holds every live update, so nothing published during the
    // replay can be missed (see resume.ts).
    index.add(subscriber);
    if (release !== undefined) releases.set(subscriber, release);
    announce?.(subscriber, true);
    metrics.subscriptions.inc();
    metrics.subscribers.set(index.size);
    logger.debug({ subscriber: subscriber.id, topics: subscriber.selectors }, 'subscribed');
    try {
      counted(
        typeof from === 'object' && 'kind' in from
          ? await sendState(subscriber, from, {
              log,
              maxUpdates: options.maxStateUpdates,
              maxScan: options.maxStateScan,
              encode,
            })
          : await resume(subscriber, from, { log, maxReplay: options.maxReplay, encode, replayBufferBytes }),
      );
    } catch (err) {
      // History could not be read: close so the client reconnects and resumes, rather than leave a gap —
      // but say so, or a failing log looks like clients that keep reconnecting for no reason.
      logger.error({ err, subscriber: subscriber.id, log: log.kind }, 'resume failed');
      metrics.resumeFailures.inc();
      close(subscriber);
    }
  }

  function detach(subscriber: Subscriber, slowConsumer: boolean): void {
    if (!index.has(subscriber)) return;
    index.remove(subscriber);
    const release = releases.get(subscriber);
    releases.delete(subscriber);
    release?.();
    announce?.(subscriber, false);
    metrics.disconnects.inc();
    if (slowConsumer) metrics.slowConsumerDisconnects.inc();
    metrics.subscribers.set(index.size);
    logger.debug({ subscriber: subscriber.id, slowConsumer }, 'unsubscribed');
  }

  function stats(): FanoutStats {
    const counts = new Map<string, number>();
    for (const subscriber of index.subscribers()) {
      for (const selector of subscriber.selectors) counts.set(selector, (counts.get(selector) ?? 0) + 1);
    }
    return {
      subscribers: index.size,
      selectors: [...counts]
        .map(([selector, subscribers]) => ({ selector, subscribers }))
        .sort((a, b) => b.subscribers - a.subscribers),
      deliveries,
    };
  }

  return {
    attach,
    detach,
    dispatch,
    stats,
    subscribers: () => [...index.subscribers()],
    get size() {
      return index.size;
    },
    close,
    closeAll() {
      for (const subscriber of [...index.subscribers()]) close(subscriber);
    },
  };
}
