/**
 * Which subscribers an update goes to, without testing every subscriber: exact selectors are a map from
 * topic to subscribers, `*` is one set, and each distinct template selector is evaluated once per topic
 * (and cached by the matcher), however many subscribers share it.
 * @module
 */
import type { Subscriber } from './subscriber.js';
import { selectorKind, type TopicMatcher } from './topics.js';
import type { StoredUpdate } from './update.js';

export class SubscriberIndex {
  readonly #exact = new Map<string, Set<Subscriber>>();
  readonly #templates = new Map<string, Set<Subscriber>>();
  readonly #any = new Set<Subscriber>();
  readonly #all = new Set<Subscriber>();
  readonly #matcher: TopicMatcher;

  constructor(matcher: TopicMatcher) {
    this.#matcher = matcher;
  }

  get size(): number {
    return this.#all.size;
  }

  /** Every subscriber, for the subscriptions API and shutdown. */
  subscribers(): IterableIterator<Subscriber> {
    return this.#all.values();
  }

  add(subscriber: Subscriber): void {
    this.#all.add(subscriber);
    for (const selector of subscriber.selectors) {
      const kind = selectorKind(selector);
      if (kind === 'any') this.#any.add(subscriber);
      else addTo(kind === 'exact' ? this.#exact : this.#templates, selector, subscriber);
    }
  }

  remove(subscriber: Subscriber): void {
    if (!this.#all.delete(subscriber)) return;
    for (const selector of subscriber.selectors) {
      const kind = selectorKind(selector);
      if (kind === 'any') this.#any.delete(subscriber);
      else removeFrom(kind === 'exact' ? this.#exact : this.#templates, selector, subscriber);
    }
  }

  /** Calls `visit` once for each subscriber that wants `update` (selectors and authorization). */
  forEachRecipient(update: StoredUpdate, visit: (subscriber: Subscriber) => void): void {
    // A subscriber can match through several topics or selectors; the stamp visits it once per update.
    const consider = (subscriber: Subscriber) => {
      if (subscriber.markVisited(update.position) && subscriber.allowed(update, this.#matcher)) visit(subscriber);
    };
    for (const subscriber of this.#any) consider(subscriber);
    for (const topic of update.topics) {
      const exact = this.#exact.get(topic);
      if (exact !== undefined) for (const subscriber of exact) consider(subscriber);
    }
    for (const [selector, subscribers] of this.#templates) {
      if (!update.topics.some((topic) => this.#matcher.matches(selector, topic))) continue;
      for (const subscriber of subscribers) consider(subscriber);
    }
  }
}

function addTo(map: Map<string, Set<Subscriber>>, key: string, subscriber: Subscriber): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([subscriber]));
  else set.add(subscriber);
}

function removeFrom(map: Map<string, Set<Subscriber>>, key: string, subscriber: Subscriber): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(subscriber);
  if (set.size === 0) map.delete(key);
}
