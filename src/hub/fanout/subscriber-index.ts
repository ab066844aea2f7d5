/**
 * Which subscribers an update goes to, without testing every subscriber or every template: exact selectors
 * are a map from topic to subscribers, `*` is one set, and template selectors are filed by their literal
 * prefix (the text before the first `{`) in a radix tree. A publish walks each topic down the tree once and
 * evaluates only the templates whose prefix starts the topic — each distinct template once, however many
 * subscribers share it, with the matcher compiled when the first of them subscribed. The cost of a publish
 * follows the templates that can match, not the number subscribed (`npm run bench:selectors`). URL patterns
 * (Mercure 1.0) resolve a topic against the hub URL first, so they are filed the same way under another key:
 * per hub URL, by the hostname and literal path start a matching topic must have (url-pattern.ts
 * `indexPrefix`); a publish resolves each topic once per hub URL and walks that tree.
 * @module
 */
import { type TopicSelector, topicIndexKey, type UriTemplate, type UrlPattern } from '../topics/index.js';
import type { StoredUpdate } from '../update.js';
import { PrefixTree } from './prefix-tree.js';
import type { Subscriber } from './subscriber.js';

/** One distinct template and who uses it; the entry lives as long as one subscriber does. */
interface TemplateEntry {
  readonly template: UriTemplate;
  readonly subscribers: Set<Subscriber>;
  /** The position of the last update it matched, so a template matching two topics is visited once. */
  matchedPosition: number;
}

/** One distinct URL pattern (text and hub URL) and who uses it. */
interface PatternEntry {
  readonly pattern: UrlPattern;
  readonly subscribers: Set<Subscriber>;
  matchedPosition: number;
}

export class SubscriberIndex {
  readonly #exact = new Map<string, Set<Subscriber>>();
  readonly #templates = new PrefixTree<TemplateEntry>();
  /** Per hub URL (relative topics resolve against it), URL patterns by their index prefix and text. */
  readonly #patterns = new Map<string, PrefixTree<PatternEntry>>();
  #patternCount = 0;
  readonly #any = new Set<Subscriber>();
  readonly #all = new Set<Subscriber>();

  get size(): number {
    return this.#all.size;
  }

  /** How many distinct template selectors the subscribers use (one compiled matcher each). */
  get templateCount(): number {
    return this.#templates.size;
  }

  /** How many distinct URL patterns the subscribers use. */
  get patternCount(): number {
    return this.#patternCount;
  }

  /** Every subscriber, for the subscriptions API and shutdown. */
  subscribers(): IterableIterator<Subscriber> {
    return this.#all.values();
  }

  has(subscriber: Subscriber): boolean {
    return this.#all.has(subscriber);
  }

  add(subscriber: Subscriber): void {
    if (this.#all.has(subscriber)) return;
    this.#all.add(subscriber);
    for (const selector of subscriber.topicSelectors) this.#file(selector, subscriber);
  }

  remove(subscriber: Subscriber): void {
    if (!this.#all.delete(subscriber)) return;
    for (const selector of subscriber.topicSelectors) this.#unfile(selector, subscriber);
  }

  /** Calls `visit` once for each subscriber that wants `update` (selectors and authorization). */
  forEachRecipient(update: StoredUpdate, visit: (subscriber: Subscriber) => void): void {
    // A subscriber can match through several topics or selectors; the stamp visits it once per update.
    const consider = (subscriber: Subscriber) => {
      if (subscriber.markVisited(update.position) && subscriber.allowed(update)) visit(subscriber);
    };
    for (const subscriber of this.#any) consider(subscriber);
    for (const topic of update.topics) {
      const exact = this.#exact.get(topic);
      if (exact !== undefined) for (const subscriber of exact) consider(subscriber);
      this.#templates.forEachPrefixOf(topic, (entry) => {
        if (entry.matchedPosition === update.position) return;
        // spec(Mercure §Topic Selectors): a template matches its own text, as any selector does.
        if (entry.template.source !== topic && !entry.template.matchesAfterPrefix(topic)) return;
        entry.matchedPosition = update.position;
        for (const subscriber of entry.subscribers) consider(subscriber);
      });
      for (const [baseUrl, patterns] of this.#patterns) {
        const key = topicIndexKey(topic, baseUrl);
        if (key === undefined) continue;
        patterns.forEachPrefixOf(key, (entry) => {
          if (entry.matchedPosition === update.position || !entry.pattern.matches(topic)) return;
          entry.matchedPosition = update.position;
          for (const subscriber of entry.subscribers) consider(subscriber);
        });
      }
    }
  }

  #file(selector: TopicSelector, subscriber: Subscriber): void {
    if (selector.kind === 'any') this.#any.add(subscriber);
    else if (selector.kind === 'exact') addTo(this.#exact, selector.source, subscriber);
    else if (selector.kind === 'urlpattern') {
      const { baseUrl, indexPrefix, source } = selector.pattern;
      let patterns = this.#patterns.get(baseUrl);
      if (patterns === undefined) {
        patterns = new PrefixTree();
        this.#patterns.set(baseUrl, patterns);
      }
      let entry = patterns.get(indexPrefix, source);
      if (entry === undefined) {
        entry = { pattern: selector.pattern, subscribers: new Set(), matchedPosition: -1 };
        patterns.set(indexPrefix, source, entry);
        this.#patternCount++;
      }
      entry.subscribers.add(subscriber);
    } else {
      const { template } = selector;
      let entry = this.#templates.get(template.literalPrefix, template.source);
      if (entry === undefined) {
        entry = { template, subscribers: new Set(), matchedPosition: -1 };
        this.#templates.set(template.literalPrefix, template.source, entry);
      }
      entry.subscribers.add(subscriber);
    }
  }

  #unfile(selector: TopicSelector, subscriber: Subscriber): void {
    if (selector.kind === 'any') this.#any.delete(subscriber);
    else if (selector.kind === 'exact') removeFrom(this.#exact, selector.source, subscriber);
    else if (selector.kind === 'urlpattern') {
      const { baseUrl, indexPrefix, source } = selector.pattern;
      const patterns = this.#patterns.get(baseUrl);
      const entry = patterns?.get(indexPrefix, source);
      if (patterns === undefined || entry === undefined) return;
      entry.subscribers.delete(subscriber);
      if (entry.subscribers.size > 0) return;
      patterns.delete(indexPrefix, source);
      this.#patternCount--;
      if (patterns.size === 0) this.#patterns.delete(baseUrl);
    } else {
      const { literalPrefix, source } = selector.template;
      const entry = this.#templates.get(literalPrefix, source);
      if (entry === undefined) return;
      entry.subscribers.delete(subscriber);
      if (entry.subscribers.size === 0) this.#templates.delete(literalPrefix, source);
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
