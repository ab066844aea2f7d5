/**
 * Storing an update: the one step between a validated publish and delivery. The update is appended to the
 * event log and nothing else — the log's follower hands it to the fan-out, so a publish on any node of a
 * cluster is delivered the same way, in the log's one order.
 * @module
 */
import type { Logger } from 'pino';
import { HttpRejection } from './http-errors.js';
import type { EventLog } from './log/event-log.js';
import type { HubMetrics } from './metrics.js';
import { type PublishInput, type PublishLimits, toNewUpdate } from './publish-input.js';
import type { NewUpdate, StoredUpdate } from './update.js';

export interface Publisher {
  /** Appends a validated update; a storage failure is a `503` with `Retry-After` (nothing was stored). */
  store(update: NewUpdate): Promise<StoredUpdate>;
  /** Validates (as an HTTP publish is) and stores: `hub.publish()` and the dashboard. */
  publish(input: PublishInput): Promise<StoredUpdate>;
  /** Updates stored through this node since it started. */
  readonly published: number;
}

export interface PublisherOptions {
  readonly log: EventLog;
  readonly limits: PublishLimits;
  readonly metrics: HubMetrics;
  /** The hub's redacting logger. */
  readonly logger: Logger;
}

export function createPublisher({ log, limits, metrics, logger }: PublisherOptions): Publisher {
  let published = 0;

  async function store(update: NewUpdate): Promise<StoredUpdate> {
    let stored: StoredUpdate;
    try {
      stored = await log.append(update);
    } catch (cause) {
      logger.error({ err: cause, log: log.kind }, 'event log append failed');
      throw new HttpRejection(503, 'HOTLINE_HUB_STORAGE_UNAVAILABLE', 'the update could not be stored; retry later', {
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

  return {
    store,
    // async: a refused input is a rejected promise, as for an HTTP publish, never a synchronous throw.
    async publish(input) {
      return store(toNewUpdate(input, limits));
    },
    get published() {
      return published;
    },
  };
}
