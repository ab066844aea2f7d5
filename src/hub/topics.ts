/**
 * Topic selectors (Mercure): `*` matches every topic, a string without `{` matches itself exactly, and
 * anything else is an RFC 6570 URI template matched with `uri-template-router` (strict: `{id}` never
 * spans a `/`, and `{/a}{/b}` matches with or without either segment, as Mercure's subscription
 * selectors need). Templates are compiled once and each (selector, topic) answer is cached, so a publish
 * costs one map lookup per distinct template, not one template evaluation per subscriber.
 * @module
 */
import uriTemplateRouter from 'uri-template-router';

const { Router } = uriTemplateRouter;
type CompiledTemplate = InstanceType<typeof Router>;

/** The selector that matches every topic. */
export const ANY_TOPIC = '*';

/** How a selector is matched. */
export type SelectorKind = 'any' | 'exact' | 'template';

export function selectorKind(selector: string): SelectorKind {
  if (selector === ANY_TOPIC) return 'any';
  return selector.includes('{') ? 'template' : 'exact';
}

/** Options of {@link createTopicMatcher}. */
export interface TopicMatcherOptions {
  /** How many (selector, topic) answers to remember. @defaultValue 100000 */
  cacheSize?: number;
  /** How many compiled templates to keep. @defaultValue 10000 */
  templateCacheSize?: number;
}

/** Answers "does this selector match this topic?", with compiled templates and answers cached. */
export interface TopicMatcher {
  matches(selector: string, topic: string): boolean;
  /** True when one of `selectors` matches one of `topics`. */
  matchesAny(selectors: readonly string[], topics: readonly string[]): boolean;
}

export function createTopicMatcher(options: TopicMatcherOptions = {}): TopicMatcher {
  const answers = new BoundedMap<string, boolean>(options.cacheSize ?? 100_000);
  const templates = new BoundedMap<string, CompiledTemplate | null>(options.templateCacheSize ?? 10_000);

  function compile(selector: string): CompiledTemplate | null {
    let compiled = templates.get(selector);
    if (compiled !== undefined) return compiled;
    try {
      compiled = new Router();
      compiled.addTemplate(selector, {}, selector);
    } catch {
      // An invalid template is not an error for the subscriber: it simply matches nothing but itself.
      compiled = null;
    }
    templates.set(selector, compiled);
    return compiled;
  }

  function matches(selector: string, topic: string): boolean {
    if (selector === ANY_TOPIC || selector === topic) return true;
    if (!selector.includes('{')) return false;
    const key = `${selector}\u0000${topic}`;
    const known = answers.get(key);
    if (known !== undefined) return known;
    const answer = compile(selector)?.resolveURI(topic) != null;
    answers.set(key, answer);
    return answer;
  }

  return {
    matches,
    matchesAny(selectors, topics) {
      for (const selector of selectors) for (const topic of topics) if (matches(selector, topic)) return true;
      return false;
    },
  };
}

/** A Map that forgets its oldest entry past a size: enough of an LRU for caches whose misses are cheap. */
class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (this.#map.size >= this.#limit) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }
}
