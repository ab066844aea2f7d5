/**
 * Followers for backends whose only writer is this process (memory, SQLite): live updates are handed
 * over as they are appended, and a new follower first catches up from the log itself.
 * @module
 */
import type { StoredUpdate } from '../update.js';
import type { FollowerErrorHandler, LogFollower } from './event-log.js';
import { FollowerCursor } from './follower-cursor.js';

const RETRY_READ_MS = 100;

interface Follower {
  readonly cursor: FollowerCursor;
  /** Live updates that arrived while the backlog was being read; `undefined` once live. */
  pending: StoredUpdate[] | undefined;
  closed: boolean;
}

/** The set of followers of one log. `readBacklog(after)` returns every stored update after `after`. */
export class LocalFollowers {
  readonly #followers = new Set<Follower>();
  readonly #kind: string;
  readonly #readBacklog: (after: number) => Promise<StoredUpdate[]>;
  readonly #onError: FollowerErrorHandler | undefined;
  /** Updates appended by a listener while an update is being handed out; they follow it, in order. */
  readonly #queue: StoredUpdate[] = [];
  #publishing = false;

  constructor(
    kind: string,
    readBacklog: (after: number) => Promise<StoredUpdate[]>,
    onError: FollowerErrorHandler | undefined,
  ) {
    this.#kind = kind;
    this.#readBacklog = readBacklog;
    this.#onError = onError;
  }

  add(after: number, listener: (update: StoredUpdate) => void): LogFollower {
    const cursor = new FollowerCursor(this.#kind, after, listener, this.#onError);
    const follower: Follower = { cursor, pending: [], closed: false };
    this.#followers.add(follower);
    // Live updates that arrive while the backlog is read are held, then delivered after it; positions
    // drop whatever both contain, so each update is delivered once and in order.
    void this.#catchUp(follower);
    return {
      close: () => {
        follower.closed = true;
        this.#followers.delete(follower);
      },
    };
  }

  /** Hands a just-stored update to every follower; never throws (see follower-cursor.ts). */
  publish(update: StoredUpdate): void {
    this.#queue.push(update);
    // A listener may append (the hub stores presence updates while delivering): handing that update out
    // at once would give it to the later followers before the current one, which they would then skip.
    if (this.#publishing) return;
    this.#publishing = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        for (const follower of this.#followers) {
          if (follower.pending === undefined) follower.cursor.deliver(next);
          else follower.pending.push(next);
        }
      }
    } finally {
      this.#publishing = false;
    }
  }

  closeAll(): void {
    for (const follower of this.#followers) follower.closed = true;
    this.#followers.clear();
  }

  async #catchUp(follower: Follower): Promise<void> {
    let backlog: StoredUpdate[];
    for (;;) {
      try {
        backlog = await this.#readBacklog(follower.cursor.delivered);
        break;
      } catch {
        // A failed read must not open a gap: keep holding live updates and read again shortly.
        await new Promise((resolve) => setTimeout(resolve, RETRY_READ_MS));
        if (follower.closed) return;
      }
    }
    // Still holding while the backlog is handed over, so an append by the listener itself waits its turn.
    let batch = backlog;
    for (;;) {
      for (const update of batch) {
        if (follower.closed) return;
        follower.cursor.deliver(update);
      }
      const held = follower.pending ?? [];
      if (held.length === 0) break;
      follower.pending = [];
      batch = held;
    }
    follower.pending = undefined;
  }
}
