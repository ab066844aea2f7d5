/**
 * Reconnection delays: exponential backoff with full jitter (a uniformly random delay between 0 and the
 * exponential cap), so that a fleet of clients dropped at the same instant does not come back at the same
 * instant. The server's `retry:` is a floor: a client never comes back sooner than the server asked.
 * @module
 */

export interface BackoffOptions {
  /** The cap of the first attempt's delay, in ms. @defaultValue 1000 */
  minDelayMs?: number;
  /** The largest delay, in ms. @defaultValue 30000 */
  maxDelayMs?: number;
}

export const BACKOFF_DEFAULTS = Object.freeze({ minDelayMs: 1000, maxDelayMs: 30_000 });

/** The exponential cap for attempt `attempt` (0-based): `min × 2^attempt`, never above `max`. */
export function backoffCap(attempt: number, options: BackoffOptions = {}): number {
  const min = options.minDelayMs ?? BACKOFF_DEFAULTS.minDelayMs;
  const max = options.maxDelayMs ?? BACKOFF_DEFAULTS.maxDelayMs;
  return Math.min(max, min * 2 ** Math.min(attempt, 30));
}

/** The delay before attempt `attempt`: full jitter under the cap, at least `serverRetryMs`, at most `max`. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  serverRetryMs?: number,
  random: () => number = Math.random,
): number {
  const max = options.maxDelayMs ?? BACKOFF_DEFAULTS.maxDelayMs;
  const jittered = Math.floor(random() * backoffCap(attempt, options));
  return Math.min(max, Math.max(serverRetryMs ?? 0, jittered));
}
