/**
 * Topic selectors (Mercure): an exact topic, `*`, an RFC 6570 URI template (0.x) or a URL pattern (1.0
 * `URLPattern` matchers, `url-pattern.ts`; `matcher-spec.ts` is the rule as stated), compiled once when a
 * subscriber subscribes (`selectors.ts`) by our own linear-time matcher (`uri-template.ts`, which parses in
 * `uri-template-parse.ts` and compiles to an automaton in `uri-template-program.ts`), within the per
 * connection and per IP limits of `template-limits.ts`.
 * @module
 */

export {
  type Generation,
  hasControlCharacter,
  isWildcard,
  type MatcherSpec,
  type MatcherType,
  matcherText,
  rulesGeneration,
  WILDCARD,
} from './matcher-spec.js';
export {
  ANY_TOPIC,
  anySelectorMatches,
  compileSelector,
  compileTemplate,
  createTopicMatcher,
  type SelectorKind,
  selectorKind,
  selectorMatches,
  TEMPLATE_BOUNDS,
  type TemplateBounds,
  type TemplateCompilation,
  type TopicMatcher,
  type TopicMatcherOptions,
  type TopicSelector,
} from './selectors.js';
export { type TemplateLimitOptions, TemplateLimits } from './template-limits.js';
export { compileUriTemplate, type UriTemplate } from './uri-template.js';
export {
  compileUrlPattern,
  topicIndexKey,
  URL_PATTERN_STEP_BUDGET,
  type UrlPattern,
  type UrlPatternBounds,
  type UrlPatternCompilation,
} from './url-pattern.js';
