/**
 * Resume: how a subscriber that reconnects with a `Last-Event-ID` gets exactly the updates it missed,
 * then every live update, with no gap and no duplicate, while publishes keep arriving. This is the
 * reliability crux of the hub, so each step says why it is safe.
 *
 * 1. The subscriber is already in the index when this runs, holding (not writing) live updates. From that
 *    moment every new update reaches it through the hold queue — nothing published later can be missed.
 * 2. The id is resolved to a log position (`earliest` is position 0). An id the log no longer has (never
 *    seen, or evicted by retention) cannot be resumed after: the subscriber gets an explicit `reset` event
 *    instead of a silent gap, then goes live.
 * 3. History after that position is replayed page by page, filtered by the subscriber's selectors and
 *    token. Replay stops at the first held position: from there on, the hold queue has every update.
 * 4. The held updates the replay did not cover are written, and the subscriber goes live — synchronously,
 *    in one turn, so no update can slip between the two.
 * @module
 */
import { encodeEvent, RESET_EVENT_TYPE } from '../../protocol/index.js';
import type { EventLog } from '../log/event-log.js';
import type { StoredUpdate } from '../update.js';
import type { Outgoing } from './outgoing.js';
import type { Subscriber } from './subscriber.js';

/** The value of `Last-Event-ID` that asks for the whole history (Mercure). */
export const EARLIEST = 'earliest';

/**
 * The event type of the frame sent when history cannot be resumed (a Hotline extension to Mercure).
 * @deprecated Use `RESET_EVENT_TYPE` from `hotline/protocol`, the one definition the client also reads.
 */
export const RESET_EVENT = RESET_EVENT_TYPE;

const PAGE_SIZE = 500;
/**
 * Longest a replay holds the event loop, in ms: testing a page of history against many template selectors
 * takes a while, and `/healthz`, publishes and other subscribers must not wait for it.
 */
const SLICE_MS = 10;

/** A requested last event id and its log position (`undefined`: no longer, or never, in history). */
export interface ResumePoint {
  readonly lastEventId: string;
  readonly after: number | undefined;
}

/** Resolves a requested last event id to the position replay starts after (`earliest` is position 0). */
export async function resolveResumePoint(
  log: Pick<EventLog, 'findPosition'>,
  lastEventId: string,
): Promise<ResumePoint> {
  return { lastEventId, after: lastEventId === EARLIEST ? 0 : await log.findPosition(lastEventId) };
}

/** Why a subscriber was sent a `reset`. */
export type ResetReason = 'unknown-last-event-id' | 'too-far-behind';

export interface ResumeContext {
  readonly log: EventLog;
  /** Most updates to replay; beyond it the subscriber gets a `reset` (it should refetch a snapshot). */
  readonly maxReplay: number;
  /** The frame (and slow-consumer policy) of an update. */
  readonly encode: (update: StoredUpdate) => Outgoing;
  /**
   * Replay waits while the stream holds more than this many bytes not yet taken by the network: without a
   * pause, history larger than the slow-consumer budget (250 updates of 4 KB fill 1 MiB) would get the
   * resuming stream closed as slow on every attempt, and the client could never catch up.
   */
  readonly replayBufferBytes?: number;
}

/**
 * Replays what `subscriber` missed since `from` (none: nothing to replay) and switches it to live; `from`
 * comes resolved when the route already told the client where replay starts (`Last-Event-ID` header).
 * Returns how many updates were replayed.
 */
export async function resume(
  subscriber: Subscriber,
  from: string | ResumePoint | undefined,
  context: ResumeContext,
): Promise<number> {
  if (from === undefined) {
    subscriber.goLive();
    return 0;
  }
  const { lastEventId, after } = typeof from === 'string' ? await resolveResumePoint(context.log, from) : from;
  if (after === undefined) {
    sendReset(subscriber, 'unknown-last-event-id', lastEventId);
    subscriber.goLive();
    return 0;
  }
  let cursor = after;
  let replayed = 0;
  let sliceStarted = performance.now();
  for (;;) {
    if (subscriber.stream.closed) return replayed;
    const page = await context.log.readAfter(cursor, PAGE_SIZE);
    for (const update of page) {
      if (performance.now() - sliceStarted >= SLICE_MS) {
        // Safe mid-page for the same reason as between pages: live updates are held meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        if (subscriber.stream.closed) return replayed;
        sliceStarted = performance.now();
      }
      if (update.position >= subscriber.firstHeldPosition) {
        subscriber.goLive();
        return replayed;
      }
      cursor = update.position;
      if (!subscriber.wants(update)) continue;
      if (paced(subscriber, context)) {
        // Safe for the same reason as a slice: live updates are held meanwhile.
        await drained(subscriber, context.replayBufferBytes ?? 0);
        if (subscriber.stream.closed) return replayed;
        sliceStarted = performance.now();
      }
      if (replayed === context.maxReplay) {
        sendReset(subscriber, 'too-far-behind', lastEventId);
        // Skip the rest of history: writing it would exceed the cap, so the app must refetch instead.
        subscriber.skipTo(cursor);
        subscriber.goLive();
        return replayed;
      }
      subscriber.replay(update.position, context.encode(update));
      replayed++;
    }
    if (page.length < PAGE_SIZE) break;
    // Let the page leave before reading the next: the stream flushes once per turn, and a long replay
    // must reach the network in pages, not pile up in memory.
    await new Promise((resolve) => setImmediate(resolve));
    sliceStarted = performance.now();
  }
  subscriber.goLive();
  return replayed;
}

/** How often a paced replay looks at the stream again while it waits for the network, in ms. */
const DRAIN_POLL_MS = 5;

function paced(subscriber: Subscriber, context: ResumeContext): boolean {
  const buffered = subscriber.stream.bufferedBytes;
  return buffered !== undefined && context.replayBufferBytes !== undefined && buffered > context.replayBufferBytes;
}

/** Resolves once the stream holds at most `limit` bytes not yet sent, or is closed. */
async function drained(subscriber: Subscriber, limit: number): Promise<void> {
  // The first wait is one turn: the stream flushes once per turn, and a fast reader takes it all at once.
  await new Promise((resolve) => setImmediate(resolve));
  while (!subscriber.stream.closed && (subscriber.stream.bufferedBytes ?? 0) > limit) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}

function sendReset(subscriber: Subscriber, reason: ResetReason, lastEventId: string): void {
  // No `id:` line: the client keeps its old id until a live update brings a new one, so reconnecting
  // before then yields the same honest `reset`, never a silent gap.
  subscriber.stream.writeFrame(encodeEvent({ event: RESET_EVENT_TYPE, data: { reason, lastEventId } }));
}
