/**
 * Reconciliation (Mercure): the `Last-Event-ID` response header, known before the stream opens because it
 * goes out with the response head, before any replayed update.
 * @module
 */
import type { EventLog } from '../log/event-log.js';
import type { StoredUpdate } from '../update.js';
import { EARLIEST, type ResumePoint, resolveResumePoint } from './resume.js';

/**
 * How far back the hub looks for the newest update a subscriber that sent no `Last-Event-ID` may see;
 * past it the header is left out. One page: subscribing must not cost a scan of the whole history.
 */
export const NEWEST_VISIBLE_WINDOW = 500;

export interface Reconciliation {
  /** The `Last-Event-ID` response header, or `undefined` to send none. */
  readonly header: string | undefined;
  /** Where replay starts, resolved once here so the header and the replay agree. */
  readonly from: ResumePoint | undefined;
}

/**
 * The header and the resume point for a request with (or without) a last event id. `allowed` tells
 * whether the subscriber's token lets it see an update (public, or private and matched by its claims).
 */
export async function reconcile(
  log: Pick<EventLog, 'findPosition' | 'head' | 'readAfter' | 'last'>,
  lastEventId: string | undefined,
  allowed: (update: StoredUpdate) => boolean,
): Promise<Reconciliation> {
  if (lastEventId !== undefined) {
    const from = await resolveResumePoint(log, lastEventId);
    // spec(mercure §Reconciliation): "The value of this response header MUST be the ID of the event
    // preceding the first one sent to the subscriber, or the reserved value `earliest` if there is no
    // preceding event (for example, when the hub history is empty, or when the requested event does not
    // exist)." Replay starts right after a found id, so that id precedes the first update sent.
    const header = from.after === undefined || lastEventId === EARLIEST ? EARLIEST : lastEventId;
    // spec(Mercure 1.0 §Reconciliation): "The hub MUST NOT disclose, via this header, the identifier of any
    // event the subscriber is not authorized to receive" — a subscriber whose token no longer covers the
    // private update it names (its scope shrank since) gets `earliest`, not that id back.
    if (header !== EARLIEST && !(await visibleAt(log, from.after as number, allowed))) {
      return { header: EARLIEST, from };
    }
    return { header, from };
  }
  // The spec asks for nothing here. The newest id of the log could name a private update this subscriber
  // may not see, so it gets the newest one it may see — a cursor it can resume from without a gap.
  return { header: await newestVisibleId(log, allowed), from: undefined };
}

/** Whether the update stored at `position` is one the subscriber may see. */
async function visibleAt(
  log: Pick<EventLog, 'readAfter'>,
  position: number,
  allowed: (update: StoredUpdate) => boolean,
): Promise<boolean> {
  // Positions are integers: the first update after `position - 1` is the one at `position`.
  const [update] = await log.readAfter(position - 1, 1);
  return update !== undefined && update.position === position && allowed(update);
}

async function newestVisibleId(
  log: Pick<EventLog, 'head' | 'readAfter' | 'last'>,
  allowed: (update: StoredUpdate) => boolean,
): Promise<string | undefined> {
  // Most subscribers may see the newest update (it is public): one read, not a window of history, on
  // every subscribe without a Last-Event-ID.
  const newest = await log.last();
  if (newest !== undefined && allowed(newest)) return newest.id;
  const head = await log.head();
  if (head === 0) return EARLIEST;
  const window = await log.readAfter(Math.max(0, head - NEWEST_VISIBLE_WINDOW), NEWEST_VISIBLE_WINDOW);
  for (let i = window.length - 1; i >= 0; i--) {
    const update = window[i] as StoredUpdate;
    if (allowed(update)) return update.id;
  }
  return undefined;
}
