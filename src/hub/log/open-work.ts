/**
 * What a networked log (Redis, NATS) must finish or stop before it closes: appends in flight, which
 * must settle so that no acknowledged update is cut off, and live followers, which must end.
 * @module
 */
import type { LogFollower } from './event-log.js';

/** A follower that says when it has ended. */
export interface EndingFollower extends LogFollower {
  readonly done: Promise<void>;
}

export class OpenWork<F extends EndingFollower> {
  readonly #appends = new Set<Promise<unknown>>();
  readonly #followers = new Set<F>();

  /** Tracks an append until it settles; returns it unchanged. */
  append<T>(appended: Promise<T>): Promise<T> {
    this.#appends.add(appended);
    const settled = () => this.#appends.delete(appended);
    appended.then(settled, settled);
    return appended;
  }

  /** Tracks a follower until its `done` settles; returns it unchanged. */
  follower(follower: F): F {
    this.#followers.add(follower);
    follower.done.then(() => this.#followers.delete(follower));
    return follower;
  }

  /** The live followers. */
  followers(): Iterable<F> {
    return this.#followers;
  }

  /** Waits for every append in flight, then closes every follower and waits for each to end. */
  async finish(): Promise<void> {
    await Promise.allSettled(this.#appends);
    const followers = [...this.#followers];
    for (const follower of followers) follower.close();
    await Promise.all(followers.map((follower) => follower.done));
  }
}
