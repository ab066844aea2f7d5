/**
 * The longest a subscriber's stream stays open, whatever its token says.
 *
 * spec(Mercure 1.0 §Subscribers): "hubs SHOULD also impose a maximum connection lifetime independent of
 * `exp`" — a token without `exp` (0.x tokens often have none) would otherwise keep its authorization for
 * ever, however its holder's rights change. Closing is cheap for a client: it resumes by Last-Event-ID.
 * @module
 */

/** Lifetimes are shortened by up to this fraction, at random, so streams opened together do not all reconnect together. */
export const LIFETIME_JITTER = 0.1;

/**
 * When a stream opened `now` must be closed: the earlier of the token's `exp` and the hub's lifetime
 * (`maxConnectionMs`, 0 for none), or `undefined` for never.
 */
export function streamDeadline(
  exp: number | undefined,
  maxConnectionMs: number,
  now = Date.now(),
  random = Math.random,
): number | undefined {
  const lifetimeEnd = maxConnectionMs > 0 ? now + maxConnectionMs * (1 - LIFETIME_JITTER * random()) : undefined;
  if (exp === undefined) return lifetimeEnd;
  return lifetimeEnd === undefined ? exp : Math.min(exp, lifetimeEnd);
}
