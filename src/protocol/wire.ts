/**
 * Hotline's own words on top of the event-stream format: what a Hotline server or hub writes and a Hotline
 * client reads, defined once here so the two sides cannot drift apart. Extensions, not part of the spec:
 * any other client sees a comment it ignores and an event type it may not listen for.
 * @module
 */

/**
 * The event type of the frame a hub sends when it cannot resume after the requested id (unknown, or too
 * far behind); its data is JSON `{ reason, lastEventId }`. The app should refetch a snapshot.
 */
export const RESET_EVENT_TYPE = 'reset';

/**
 * The query parameter with which a hub subscriber without a last event id asks for state on subscribe
 * (docs/state-on-subscribe.md): the newest update of each topic, or the last N updates, then live.
 */
export const STATE_PARAMETER = 'state';

/**
 * A value of {@link STATE_PARAMETER}: `latest` or `last:N`, for every selector, or for the one `topic`
 * selector named after `@`.
 */
export type StateValue = 'latest' | `last:${number}` | `latest@${string}` | `last:${number}@${string}`;

/**
 * The comment a hub writes after the state a subscriber asked for: the events before it are the state,
 * those after it live. A tab that joins a shared connection reads its own state up to here.
 */
export const STATE_END_COMMENT = 'state end';

/** The hello comment of a stream without heartbeats: the first bytes still go out at once. */
const HELLO_OK = 'ok';
const HEARTBEAT_HELLO = /^heartbeat (\d+)$/;

/**
 * The text of the comment a session opens its stream with: `heartbeat N` announces the heartbeat period
 * in ms (so that clients can set a liveness watchdog), `ok` says there is none.
 */
export function helloComment(heartbeatMs: number): string {
  return heartbeatMs > 0 ? `heartbeat ${heartbeatMs}` : HELLO_OK;
}

/** The heartbeat period (ms) a comment's text announces, or undefined when it announces none. */
export function announcedHeartbeatMs(comment: string): number | undefined {
  const announced = HEARTBEAT_HELLO.exec(comment);
  return announced === null ? undefined : Number(announced[1]);
}
