/**
 * Defaults of `hotline/server`, in one place.
 * @module
 */

export const SESSION_DEFAULTS = Object.freeze({
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  backpressure: 'close' as const,
  writeTimeoutMs: 30_000,
  status: 200,
});

export const CHANNEL_DEFAULTS = Object.freeze({
  /** Events kept for replay to reconnecting subscribers; 0 keeps none. */
  history: 0,
});
