/**
 * One subscriber of the hub: its stream, what it asked for (topic selectors) and what its token allows
 * (private topic selectors). While it replays history, live updates are held here, in order.
 * @module
 */

import type { FramePolicy } from '../../server/index.js';
import { anySelectorMatches, type TopicSelector } from '../topics/index.js';
import type { StoredUpdate } from '../update.js';
import type { Outgoing } from './outgoing.js';

/** What the hub needs of a stream; `Session` from `hotline/server` is one. */
export interface SubscriberStream {
  writeFrame(frame: Uint8Array, key?: string, policy?: FramePolicy): boolean;
  close(): void;
  readonly closed: boolean;
  /**
   * Bytes written and not yet taken by the network. A stream that reports it (a `Session` does) gets its
   * replay paced by it, so a long history never outgrows the reader's budget and closes it as slow.
   */
  readonly bufferedBytes?: number;
}

/** A live update waiting for the subscriber's replay to finish. */
interface HeldFrame {
  readonly position: number;
  readonly outgoing: Outgoing;
}

export interface SubscriberInit {
  readonly id: string;
  /** The topic selectors it asked for, compiled when it subscribed. */
  readonly selectors: readonly TopicSelector[];
  /** `mercure.subscribe` selectors of the token, compiled; empty for anonymous subscribers. */
  readonly privateSelectors: readonly TopicSelector[];
  /** `mercure.payload` of the token, if any. */
  readonly payload: unknown;
  /** The token's verified subject (a Mercure 1.0 access token's `sub`), which names it in presence. */
  readonly subject?: string | undefined;
  /** Per selector, the payload presence shows (`subscription-payloads.ts`); `payload` for all when absent. */
  readonly payloads?: readonly unknown[] | undefined;
  readonly stream: SubscriberStream;
}

export class Subscriber {
  readonly id: string;
  /** The topic selectors it asked for, as sent. */
  readonly selectors: readonly string[];
  /** The same, compiled: what the index files it under. */
  readonly topicSelectors: readonly TopicSelector[];
  readonly #privateSelectors: readonly TopicSelector[];
  readonly payload: unknown;
  readonly subject: string | undefined;
  readonly #payloads: readonly unknown[] | undefined;
  readonly stream: SubscriberStream;
  /** The position of the newest update written to this subscriber: the replay/live boundary, and dedupe. */
  lastPosition = 0;
  #held: HeldFrame[] | undefined = [];
  #visitedPosition = 0;

  constructor(init: SubscriberInit) {
    this.id = init.id;
    this.selectors = init.selectors.map((selector) => selector.source);
    this.topicSelectors = init.selectors;
    this.#privateSelectors = init.privateSelectors;
    this.payload = init.payload;
    this.subject = init.subject;
    this.#payloads = init.payloads;
    this.stream = init.stream;
  }

  /** The payload presence shows for the subscription of its `index`-th selector. */
  payloadOf(index: number): unknown {
    return this.#payloads === undefined ? this.payload : this.#payloads[index];
  }

  /**
   * Mercure: an update reaches a subscriber when one of its topics matches one of the subscriber's
   * selectors, and — when private — also one of the token's `mercure.subscribe` selectors.
   */
  wants(update: StoredUpdate): boolean {
    return anySelectorMatches(this.topicSelectors, update.topics) && this.allowed(update);
  }

  /** May this subscriber see `update`, given that it already matched one of its selectors? */
  allowed(update: StoredUpdate): boolean {
    return Subscriber.allows(this.#privateSelectors, update);
  }

  /** Mercure: a public update is for anyone; a private one for a token whose selectors match a topic. */
  static allows(privateSelectors: readonly TopicSelector[], update: StoredUpdate): boolean {
    return !update.private || anySelectorMatches(privateSelectors, update.topics);
  }

  /** For the index: true the first time it is called with `position`, false after. */
  markVisited(position: number): boolean {
    if (this.#visitedPosition === position) return false;
    this.#visitedPosition = position;
    return true;
  }

  /** Writes a live update, or holds it while history is being replayed. */
  deliver(position: number, outgoing: Outgoing): void {
    if (position <= this.lastPosition && this.#held === undefined) return;
    if (this.#held !== undefined) {
      this.#held.push({ position, outgoing });
      return;
    }
    this.lastPosition = position;
    this.#write(outgoing);
  }

  /** Writes a replayed update. */
  replay(position: number, outgoing: Outgoing): void {
    this.lastPosition = position;
    this.#write(outgoing);
  }

  /** Marks history up to `position` as handled without writing it (after a `reset`). */
  skipTo(position: number): void {
    if (position > this.lastPosition) this.lastPosition = position;
  }

  /** The position of the oldest held live update, or `Infinity`: replay stops before it. */
  get firstHeldPosition(): number {
    return this.#held?.[0]?.position ?? Number.POSITIVE_INFINITY;
  }

  /** Ends the replay: writes the held updates the replay did not cover, then goes live. */
  goLive(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const { position, outgoing } of held) {
      if (position <= this.lastPosition) continue;
      this.lastPosition = position;
      this.#write(outgoing);
    }
  }

  #write({ frame, key, policy }: Outgoing): void {
    this.stream.writeFrame(frame, key, policy);
  }
}
