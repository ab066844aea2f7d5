/**
 * A share of history kept apart. Retention is first-in first-out, so one chatty publisher evicts everyone
 * else's updates: the `--dev` demo's ~7 updates/s push a user's own update out of a 10,000-update history
 * in about 21 minutes, and resuming from its id then gets `reset`. Updates whose every topic belongs to the
 * separate share count against a budget of their own, so the rest keep the whole of `maxEvents`.
 *
 * The memory and SQLite logs support it. Redis and NATS refuse it: their engines trim one stream by count
 * (`XADD MAXLEN`, JetStream `max_msgs`), and keeping two budgets would mean two streams and a merge on every
 * read — on those, give the demo its own hub or a log of its own.
 * @module
 */
import { HotlineError } from '../../errors.js';

/** Updates kept within a budget of their own. */
export interface SeparateRetention {
  /**
   * The topics of the share: one ending in `/` covers every topic under it (`/stocks/` covers
   * `/stocks/ACME`), any other exactly itself. An update is in the share when all its topics are.
   */
  readonly topics: readonly string[];
  /** Keep at most this many updates of the share (the oldest go first); more than 0. */
  readonly maxEvents: number;
}

/** A checked {@link SeparateRetention} that tells which updates are in the share. */
export interface SeparateShare {
  readonly maxEvents: number;
  /** Whether an update with these topics is in the share. */
  covers(topics: readonly string[]): boolean;
}

/** Checks the option; `undefined` stays `undefined` (one budget for everything). */
export function resolveSeparateRetention(separate: SeparateRetention | undefined): SeparateShare | undefined {
  if (separate === undefined) return undefined;
  if (!Number.isSafeInteger(separate.maxEvents) || separate.maxEvents <= 0)
    throw invalid('separate.maxEvents must be a positive integer');
  if (!Array.isArray(separate.topics) || separate.topics.length === 0)
    throw invalid('separate.topics must list at least one topic');
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const topic of separate.topics) {
    if (typeof topic !== 'string' || topic === '') throw invalid('separate.topics must be non-empty strings');
    if (topic.endsWith('/')) prefixes.push(topic);
    else exact.add(topic);
  }
  const coversOne = (topic: string) => exact.has(topic) || prefixes.some((prefix) => topic.startsWith(prefix));
  return {
    maxEvents: separate.maxEvents,
    covers: (topics) => topics.length > 0 && topics.every(coversOne),
  };
}

/** The error of a backend that keeps one budget only. */
export function separateRetentionUnsupported(kind: string): HotlineError {
  return invalid(
    `the ${kind} log keeps one history budget: separate retention works on the memory and SQLite logs only`,
  );
}

function invalid(message: string): HotlineError {
  return new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', message);
}
