/**
 * Followers for backends whose only writer is this process (memory, SQLite): live updates are handed
 * over as they are appended, and a new follower first catches up from the log itself.
 * @module
 */
import type { StoredUpdate } from '../update.js';
import type { LogFollower } from './event-log.js';

const RETRY_READ_MS = 100;

interface Follower {
  /** The last position handed to the listener. */
  delivered: number;
  /** Live updates that arrived while the backlog was being read; `undefined` once live. */
  pending: StoredUpdate[] | undefined;
  closed: boolean;
  readonly listener: (update: StoredUpdate) => void;
}

/** The set of followers of one log. `readBacklog(after)` returns every stored update after `after`. */
export class LocalFollowers {
  readonly #followers = new Set<Follower>();
  readonly #readBacklog: (after: number) => Promise<StoredUpdate[]>;

  constructor(readBacklog: (after: number) => Promise<StoredUpdate[]>) {
    this.#readBacklog = readBacklog;
  }

  add(after: number, listener: (update: StoredUpdate) => void): LogFollower {
    const follower: Follower = { delivered: after, pending: [], closed: false, listener };
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

  publish(update: StoredUpdate): void {
    for (const follower of this.#followers) {
      if (follower.pending === undefined) this.#deliver(follower, update);
      else follower.pending.push(update);
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
        backlog = await this.#readBacklog(follower.delivered);
        break;
      } catch {
        // A failed read must not open a gap: keep holding live updates and read again shortly.
        await new Promise((resolve) => setTimeout(resolve, RETRY_READ_MS));
        if (follower.closed) return;
      }
    }
    const held = follower.pending ?? [];
    follower.pending = undefined;
    for (const update of [...backlog, ...held]) {
      if (follower.closed) return;
      this.#deliver(follower, update);
    }
  }

  #deliver(follower: Follower, update: StoredUpdate): void {
    if (update.position <= follower.delivered) return;
    follower.delivered = update.position;
    follower.listener(update);
  }
}
