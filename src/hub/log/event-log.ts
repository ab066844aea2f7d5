/**
 * The storage seam of the hub: an ordered, bounded, durable log of updates. Fan-out lives outside it —
 * the hub follows the log and delivers what it reads — so every backend is only storage and ordering,
 * and every backend passes the one contract suite in `test/hub/log/contract.ts`.
 * @module
 */
import type { NewUpdate, StoredUpdate } from '../update.js';
import type { PresenceStore } from './presence-store.js';
import { resolveSeparateRetention, type SeparateRetention, type SeparateShare } from './separate-retention.js';

/** Retention limits shared by every backend; `0` means no limit. */
export interface RetentionOptions {
  /** Keep at most this many updates (the oldest go first). @defaultValue 10000 */
  maxEvents?: number;
  /** Drop updates older than this many milliseconds. @defaultValue 0 (no age limit) */
  maxAgeMs?: number;
  /**
   * Updates of these topics kept within a budget of their own, outside `maxEvents` (the `--dev` demo's, so it
   * never evicts the user's). Memory and SQLite logs only; Redis and NATS refuse it. @defaultValue none
   */
  separate?: SeparateRetention;
}

/** Where a follower's failure happened, for a {@link FollowerErrorHandler}. */
export interface FollowerErrorContext {
  /** The backend's {@link EventLog.kind}. */
  readonly log: string;
  /** The position of the update the failure is about; it is stored either way. */
  readonly position: number;
  /** `listener`: the listener threw or its promise rejected. `entry`: a stored entry could not be decoded. */
  readonly source: 'listener' | 'entry';
}

/** Told about every failure a follower isolated; see {@link EventLog.follow}. */
export type FollowerErrorHandler = (error: unknown, context: FollowerErrorContext) => void;

/** What every backend's options share. */
export interface LogOptions extends RetentionOptions {
  /**
   * Told when a follower's listener throws (or rejects), or a stored entry cannot be decoded; the
   * follower goes on either way. @defaultValue a `HotlineWarning` through `process.emitWarning`
   */
  onFollowerError?: FollowerErrorHandler;
}

/** A live view of the log, from {@link EventLog.follow}. */
export interface LogFollower {
  /** Stops delivering updates; idempotent. */
  close(): void;
}

/** What {@link EventLog.health} reports. */
export interface LogHealth {
  readonly ok: boolean;
  /** A short reason when not ok, safe to show an operator (no secrets). */
  readonly detail?: string;
}

/** An ordered, bounded log of updates shared by every hub node that uses it. */
export interface EventLog {
  /** The backend's name for logs and metrics: `memory`, `sqlite`, `redis`, `nats`. */
  readonly kind: string;

  /**
   * Stores `update` durably and gives it the next position. Resolves only once the update is stored
   * (a publisher's 200 means it will be delivered); rejects, storing nothing, when the backend is
   * unreachable.
   */
  append(update: NewUpdate): Promise<StoredUpdate>;

  /** Up to `limit` stored updates with a position greater than `after`, oldest first. */
  readAfter(after: number, limit: number): Promise<StoredUpdate[]>;

  /**
   * Up to `limit` stored updates with a position less than `before`, newest first: history read backwards,
   * for state on subscribe (the newest update of a topic, the last N updates). Fewer than `limit` only when
   * nothing older is stored.
   */
  readBefore(before: number, limit: number): Promise<StoredUpdate[]>;

  /**
   * The position of the *oldest* stored update with this id, or `undefined` when no update with this id
   * is still in history. Ids may repeat; resuming after the oldest may redeliver, never lose.
   */
  findPosition(id: string): Promise<number | undefined>;

  /** The position of the newest stored update, or `0` when the log is empty. */
  head(): Promise<number>;

  /** The newest stored update, or `undefined` when the log is empty. */
  last(): Promise<StoredUpdate | undefined>;

  /** How many updates are retained now. */
  size(): Promise<number>;

  /**
   * Calls `listener` with every update appended after position `after`, by this node or by any other
   * sharing the log, in log order, exactly once each, until the follower is closed. After a loss of
   * connection the backend catches up from the last delivered position, so nothing is skipped.
   *
   * A listener that throws, or returns a promise that rejects, is isolated: the append that stored the
   * update still resolves, the other followers still get the update, the error goes to the log's
   * `onFollowerError`, and this follower keeps getting the updates after it (the failed one is not
   * handed over again).
   */
  follow(after: number, listener: (update: StoredUpdate) => void): LogFollower;

  /** Whether the backend is reachable now. */
  health(): Promise<LogHealth>;

  /**
   * The engine's shared record of the cluster's subscriptions, with node leases (`presence-store.ts`), on
   * backends several hub processes share; absent on single-process ones, where the hub keeps it in memory.
   */
  presence?(): PresenceStore;

  /** Stops followers and releases the backend; pending appends settle first. */
  close(): Promise<void>;
}

/** Resolved retention limits. */
export interface Retention {
  readonly maxEvents: number;
  readonly maxAgeMs: number;
  /** The share kept apart, with its own budget; `undefined` when everything shares `maxEvents`. */
  readonly separate?: SeparateShare | undefined;
}

export const DEFAULT_RETENTION: Retention = Object.freeze({ maxEvents: 10_000, maxAgeMs: 0 });

export function resolveRetention(options: RetentionOptions = {}): Retention {
  const maxEvents = options.maxEvents ?? DEFAULT_RETENTION.maxEvents;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_RETENTION.maxAgeMs;
  for (const [name, value] of [
    ['maxEvents', maxEvents],
    ['maxAgeMs', maxAgeMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  }
  return { maxEvents, maxAgeMs, separate: resolveSeparateRetention(options.separate) };
}
