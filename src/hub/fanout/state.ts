/**
 * State on subscribe: a fresh subscriber that asked for state (`state-request.ts`) gets the newest update
 * of each topic, or the last N updates, it may see, then every live update — no gap, no duplicate. Built
 * on the same hold queue as `resume.ts`:
 *
 * 1. The subscriber is already in the index, holding (not writing) live updates.
 * 2. The log's head is read. Every update stored after it is appended after this read, so after the
 *    subscriber joined the index: it reaches the hold queue. The state describes the log up to the head.
 * 3. History is read backwards from the head, in growing pages, until the request is satisfied, the state
 *    holds `maxUpdates` updates, or `maxScan` updates were looked at (the same bound as a replay from
 *    `earliest`); private updates count only when the subscriber's claims allow them.
 * 4. The chosen updates are written oldest first, then the `: state end` comment (for a client that must
 *    know where the state ends: a tab joining a shared connection); the subscriber skips to the head and
 *    goes live in the same turn, writing only held updates after the head. An update at or before the head
 *    that was held too is not written twice: the state already speaks for it.
 * @module
 */
import { encodeComment, STATE_END_COMMENT } from '../../protocol/index.js';
import type { EventLog } from '../log/event-log.js';
import type { StoredUpdate } from '../update.js';
import type { Outgoing } from './outgoing.js';
import type { StateRequest } from './state-request.js';
import { StateSelection } from './state-selection.js';
import type { Subscriber } from './subscriber.js';

/**
 * Pages of history grow from the first to the last size: most states are in the newest updates (a busy
 * ticker, the last few headlines), and a small first read is what makes those cheap — on NATS a page of
 * 500 takes ~200 ms to read, one of 64 ~20 ms.
 */
const FIRST_PAGE = 64;
const LAST_PAGE = 512;
const STATE_END_FRAME = encodeComment(STATE_END_COMMENT);
/** Longest the scan holds the event loop, in ms (as in resume.ts: other requests must not wait for it). */
const SLICE_MS = 10;

export interface StateContext {
  readonly log: Pick<EventLog, 'head' | 'readBefore'>;
  /** Most updates in one state; the newest are kept. */
  readonly maxUpdates: number;
  /** Most updates of history looked at, newest first, for one state. */
  readonly maxScan: number;
  /** The frame (and slow-consumer policy) of an update. */
  readonly encode: (update: StoredUpdate) => Outgoing;
}

/** Sends `subscriber` the state it asked for and switches it to live; returns how many updates it sent. */
export async function sendState(subscriber: Subscriber, request: StateRequest, context: StateContext): Promise<number> {
  const head = await context.log.head();
  const chosen = await chooseState(subscriber, request, head, context);
  if (chosen === undefined) return 0;
  for (const update of chosen) subscriber.replay(update.position, context.encode(update));
  subscriber.stream.writeFrame(STATE_END_FRAME);
  subscriber.skipTo(head);
  subscriber.goLive();
  return chosen.length;
}

/** The state as of `head`, oldest first; `undefined` when the stream closed meanwhile. */
async function chooseState(
  subscriber: Subscriber,
  request: StateRequest,
  head: number,
  context: StateContext,
): Promise<StoredUpdate[] | undefined> {
  const selection = new StateSelection(request, subscriber.topicSelectors, context.maxUpdates);
  let before = head + 1;
  let scanned = 0;
  let pageSize = FIRST_PAGE;
  let sliceStarted = performance.now();
  while (!selection.done && scanned < context.maxScan) {
    const asked = Math.min(pageSize, context.maxScan - scanned);
    pageSize = Math.min(LAST_PAGE, pageSize * 2);
    const page = await context.log.readBefore(before, asked);
    if (subscriber.stream.closed) return undefined;
    for (const update of page) {
      if (performance.now() - sliceStarted >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        if (subscriber.stream.closed) return undefined;
        sliceStarted = performance.now();
      }
      scanned++;
      before = update.position;
      if (subscriber.allowed(update)) selection.offer(update);
      if (selection.done) break;
    }
    // A short page: nothing older is stored.
    if (page.length < asked) break;
  }
  return selection.updates();
}
