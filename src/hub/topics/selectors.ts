/**
 * Topic selectors (Mercure): `*` matches every topic, a selector matches a topic identical to it, and a
 * selector that is a valid URI template also matches the topics it describes (src/hub/uri-template.ts:
 * linear time, never backtracks). Mercure 1.0 topic matchers ({@link MatcherSpec} objects) compile to the
 * same selectors: `Exact` to an exact one (never a template), `URLPattern` to a URL pattern bound to the hub
 * URL (url-pattern.ts). Selectors are compiled once — a subscriber's when it subscribes, a token's or a
 * policy's through {@link TopicMatcher}'s cache — and never on the publish path.
 * @module
 */
import { BoundedMap } from './bounded-map.js';
import { isWildcard, type MatcherSpec } from './matcher-spec.js';
import { compileUriTemplate, type UriTemplate } from './uri-template.js';
import { compileUrlPattern, type UrlPattern } from './url-pattern.js';

/** The selector that matches every topic. */
export const ANY_TOPIC = '*';

/** How a selector is matched. */
export type SelectorKind = 'any' | 'exact' | 'template' | 'urlpattern';

/** How `selector` is matched: a 0.x string by its shape, a 1.0 matcher by its type (`*` first, either way). */
export function selectorKind(selector: MatcherSpec): SelectorKind {
  if (isWildcard(selector)) return 'any';
  if (typeof selector !== 'string') return selector.matchType === 'URLPattern' ? 'urlpattern' : 'exact';
  return selector.includes('{') ? 'template' : 'exact';
}

/** A compiled topic selector. */
export type TopicSelector =
  | { readonly kind: 'any'; readonly source: string }
  | { readonly kind: 'exact'; readonly source: string }
  | { readonly kind: 'template'; readonly source: string; readonly template: UriTemplate }
  | { readonly kind: 'urlpattern'; readonly source: string; readonly pattern: UrlPattern };

/** What a template may cost: past either bound, a selector is not compiled. */
export interface TemplateBounds {
  /** Longest template, in UTF-16 code units. */
  readonly maxSelectorLength: number;
  /** Most `{…}` expressions in one template, each variable of a list counted (`{/a,b}` is `{/a}{/b}`). */
  readonly maxTemplateExpressions: number;
}

/** Why a selector with `{` is not a template, or the template it compiles to. */
export type TemplateCompilation =
  | { readonly ok: true; readonly template: UriTemplate }
  | { readonly ok: false; readonly reason: 'invalid' | 'too-long' | 'too-many-expressions' };

/** Compiles a selector that has a `{`; the length is checked first, so compiling is bounded by it. */
export function compileTemplate(selector: string, bounds: TemplateBounds): TemplateCompilation {
  if (selector.length > bounds.maxSelectorLength) return { ok: false, reason: 'too-long' };
  const template = compileUriTemplate(selector);
  if (template === undefined) return { ok: false, reason: 'invalid' };
  if (template.expressions > bounds.maxTemplateExpressions) return { ok: false, reason: 'too-many-expressions' };
  return { ok: true, template };
}

/** A URL pattern that can never match: what a token's pattern past the bounds compiles to. */
const NEVER: Omit<UrlPattern, 'source' | 'baseUrl'> = { indexPrefix: '', matches: () => false };

/**
 * Compiles any selector, leniently: a template that is invalid or past `bounds` is an exact selector.
 * spec(Mercure §Topic Selectors): a selector that is not a valid URI template matches only itself.
 * A URL pattern resolves against `baseUrl` (the hub's URL); one that is invalid or past `bounds` matches
 * nothing — spec(Mercure 1.0 §URL Pattern): "When such a limit is reached, the pattern MUST be treated as
 * not matching".
 */
export function compileSelector(selector: string, bounds: TemplateBounds): TopicSelector;
export function compileSelector(selector: MatcherSpec, bounds: TemplateBounds, baseUrl: string): TopicSelector;
export function compileSelector(selector: MatcherSpec, bounds: TemplateBounds, baseUrl = ''): TopicSelector {
  const kind = selectorKind(selector);
  const source = typeof selector === 'string' ? selector : selector.match;
  if (kind === 'urlpattern') {
    const compiled = compileUrlPattern(source, baseUrl, bounds);
    return { kind, source, pattern: compiled.ok ? compiled.pattern : { ...NEVER, source, baseUrl } };
  }
  if (kind !== 'template') return { kind, source };
  const compiled = compileTemplate(source, bounds);
  return compiled.ok ? { kind, source, template: compiled.template } : { kind: 'exact', source };
}

/**
 * spec(Mercure §Topic Selectors): `*`, then the identical string, then the URI template. A URL pattern is
 * matched by the pattern alone: spec(Mercure 1.0 §URL Pattern): a relative pattern or topic resolves against
 * the hub's URL, so `/a` matches the topic `https://hub.example/a` and an identical string may not match.
 */
export function selectorMatches(selector: TopicSelector, topic: string): boolean {
  if (selector.kind === 'any') return true;
  if (selector.kind === 'urlpattern') return selector.pattern.matches(topic);
  if (selector.source === topic) return true;
  return selector.kind === 'template' && selector.template.matches(topic);
}

/** True when one of `selectors` matches one of `topics`. */
export function anySelectorMatches(selectors: readonly TopicSelector[], topics: readonly string[]): boolean {
  for (const selector of selectors) for (const topic of topics) if (selectorMatches(selector, topic)) return true;
  return false;
}

/** Options of {@link createTopicMatcher}. */
export interface TopicMatcherOptions extends Partial<TemplateBounds> {
  /** How many compiled selectors to keep. @defaultValue 10000 */
  cacheSize?: number;
}

/** Answers "does this selector match this topic?" for selectors not compiled yet (tokens, policies). */
export interface TopicMatcher {
  /** For a 0.x selector string (policies): it needs no hub URL. */
  matches(selector: string, topic: string): boolean;
  /** True when one of `selectors` (0.x strings) matches one of `topics`. */
  matchesAny(selectors: readonly string[], topics: readonly string[]): boolean;
  /** The same for rules of either generation; URL patterns resolve against `baseUrl`, the hub's URL. */
  matchesAny(selectors: readonly MatcherSpec[], topics: readonly string[], baseUrl: string): boolean;
}

/** The defaults of {@link TemplateBounds}, the hub's `maxSelectorLength` and `maxTemplateExpressions`. */
export const TEMPLATE_BOUNDS: TemplateBounds = Object.freeze({ maxSelectorLength: 1024, maxTemplateExpressions: 16 });

/**
 * A matcher for selectors that arrive as strings. Compiled selectors are cached; a miss costs one linear
 * compile, so a cache that thrashes costs time in proportion to the selectors' length, never more.
 */
export function createTopicMatcher(options: TopicMatcherOptions = {}): TopicMatcher {
  const bounds: TemplateBounds = {
    maxSelectorLength: options.maxSelectorLength ?? TEMPLATE_BOUNDS.maxSelectorLength,
    maxTemplateExpressions: options.maxTemplateExpressions ?? TEMPLATE_BOUNDS.maxTemplateExpressions,
  };
  const templates = new BoundedMap<string, TopicSelector>(options.cacheSize ?? 10_000);
  const patterns = new BoundedMap<string, TopicSelector>(options.cacheSize ?? 10_000);

  function compiled(
    cache: BoundedMap<string, TopicSelector>,
    selector: MatcherSpec,
    key: string,
    baseUrl: string,
  ): TopicSelector {
    let found = cache.get(key);
    if (found === undefined) {
      found = compileSelector(selector, bounds, baseUrl);
      cache.set(key, found);
    }
    return found;
  }

  function matches(selector: string, topic: string): boolean {
    if (selector === ANY_TOPIC || selector === topic) return true;
    if (!selector.includes('{')) return false;
    return selectorMatches(compiled(templates, selector, selector, ''), topic);
  }

  function matchesSpec(selector: MatcherSpec, topic: string, baseUrl: string): boolean {
    if (typeof selector === 'string') return matches(selector, topic);
    if (selector.match === ANY_TOPIC) return true;
    if (selector.matchType === 'Exact') return selector.match === topic;
    // A URL pattern is cached per hub URL it resolves against (a URL has no newline).
    return selectorMatches(compiled(patterns, selector, `${baseUrl}\n${selector.match}`, baseUrl), topic);
  }

  function matchesAny(selectors: readonly MatcherSpec[], topics: readonly string[], baseUrl = ''): boolean {
    for (const selector of selectors)
      for (const topic of topics) if (matchesSpec(selector, topic, baseUrl)) return true;
    return false;
  }

  return { matches, matchesAny };
}

export { BoundedMap };
