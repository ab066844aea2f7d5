/**
 * The one rule every backend applies when it hands an update to a follower's listener: each position
 * once, in order; and a listener that throws — or returns a promise that rejects — is isolated. The
 * update is stored whatever the listener does, so the append still resolves, the other followers still
 * get it, the failure is reported, and this follower stays and gets the next updates (as a Mercure hub
 * keeps delivering to its other subscribers). The failed update is not handed over again: a listener
 * that fails on every update must not hold the log at one position forever.
 * @module
 */
import type { StoredUpdate } from '../update.js';
import type { FollowerErrorContext, FollowerErrorHandler } from './event-log.js';

type Listener = (update: StoredUpdate) => void;

/** The default {@link FollowerErrorHandler}: a process warning, printed on stderr unless the app listens for them. */
function warnFollowerError(error: unknown, context: FollowerErrorContext): void {
  const what = context.source === 'listener' ? 'a follower threw' : 'an unreadable entry was skipped';
  process.emitWarning(`${context.log} log, position ${context.position}: ${what}: ${String(error)}`, 'HotlineWarning');
}

/**
 * Calls `listener(update)`; a throw or a rejected promise goes to `onError`, never to the caller. The
 * listener's type says `void`, but an `async` function fits it, so its promise is watched too.
 */
export function invokeListener(listener: Listener, update: StoredUpdate, onError: (error: unknown) => void): void {
  let result: unknown;
  try {
    result = listener(update);
  } catch (error) {
    onError(error);
    return;
  }
  if (isThenable(result)) result.then(undefined, onError);
}

/** One follower's position in the log and its listener, under the rule above. */
export class FollowerCursor {
  #delivered: number;
  readonly #listener: Listener;
  readonly #log: string;
  readonly #onError: FollowerErrorHandler;

  /** `after`: the position delivered last (the follower starts after it). */
  constructor(log: string, after: number, listener: Listener, onError: FollowerErrorHandler = warnFollowerError) {
    this.#log = log;
    this.#delivered = after;
    this.#listener = listener;
    this.#onError = onError;
  }

  /** The last position handed over (or skipped as unreadable); the next read starts after it. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Hands `update` over unless its position was already handed over. */
  deliver(update: StoredUpdate): void {
    if (update.position <= this.#delivered) return;
    this.#delivered = update.position;
    invokeListener(this.#listener, update, (error) => this.#report(error, update.position, 'listener'));
  }

  /**
   * Like {@link deliver} for an entry still to be decoded: one written to a shared engine by someone else
   * may be malformed, and is then reported and skipped like a failing listener.
   */
  deliverEntry(position: number, decode: () => StoredUpdate): void {
    if (position <= this.#delivered) return;
    let update: StoredUpdate;
    try {
      update = decode();
    } catch (error) {
      this.#delivered = position;
      this.#report(error, position, 'entry');
      return;
    }
    this.deliver(update);
  }

  #report(error: unknown, position: number, source: FollowerErrorContext['source']): void {
    const context: FollowerErrorContext = { log: this.#log, position, source };
    try {
      this.#onError(error, context);
    } catch (handlerError) {
      // A failing handler must not undo the isolation it exists for; the warning still says what happened.
      warnFollowerError(error, context);
      warnFollowerError(handlerError, context);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
