/**
 * What a subscription may ask of the template matcher, checked when the subscriber subscribes — before
 * its stream opens, never on the publish path. A template is compiled in time linear in its length and
 * matched in time linear in topic × template size, so bounding the length, the expressions, the distinct
 * templates of one connection and those one client address holds bounds both the work a subscribe request
 * can cause and what each publish can be made to evaluate.
 * @module
 */
import { HttpRejection } from '../http-errors.js';
import type { MatcherSpec } from './matcher-spec.js';
import {
  compileSelector,
  compileTemplate,
  selectorKind,
  type TemplateBounds,
  type TopicSelector,
} from './selectors.js';
import { compileUrlPattern } from './url-pattern.js';

export interface TemplateLimitOptions extends TemplateBounds {
  /** Most distinct URI templates (and URL patterns, counted with them) in one subscription. */
  readonly maxTemplatesPerConnection: number;
  /**
   * Most distinct URI templates and URL patterns one client address holds across its open subscriptions;
   * 0 for no limit.
   */
  readonly maxTemplatesPerIp: number;
}

export class TemplateLimits {
  readonly #options: TemplateLimitOptions;
  /** Per client address, each template it holds and on how many of its connections. */
  readonly #perIp = new Map<string, Map<string, number>>();

  constructor(options: TemplateLimitOptions) {
    this.#options = options;
  }

  /**
   * Compiles the selectors of a subscribe request, or throws a 400 naming the limit it exceeds. A selector
   * with `{` that is not a valid URI template is an exact selector, as Mercure has it; a URL pattern that
   * is invalid or past the limits is refused. URL patterns resolve against `baseUrl`, the hub's URL.
   */
  compile(selectors: readonly string[]): TopicSelector[];
  compile(selectors: readonly MatcherSpec[], baseUrl: string): TopicSelector[];
  compile(selectors: readonly MatcherSpec[], baseUrl = ''): TopicSelector[] {
    const { maxSelectorLength, maxTemplateExpressions, maxTemplatesPerConnection } = this.#options;
    const compiled: TopicSelector[] = [];
    const templates = new Set<string>();
    // A request may repeat a pattern up to maxTopics times: each is compiled once.
    const patterns = new Map<string, TopicSelector>();
    for (const selector of selectors) {
      const kind = selectorKind(selector);
      const source = typeof selector === 'string' ? selector : selector.match;
      if (kind === 'urlpattern') {
        let found = patterns.get(source);
        if (found === undefined) {
          const result = compileUrlPattern(source, baseUrl, this.#options);
          if (!result.ok) throw refusedPattern(source, result, maxSelectorLength);
          found = { kind, source, pattern: result.pattern };
          patterns.set(source, found);
        }
        compiled.push(found);
        templates.add(patternKey(source));
      } else if (kind !== 'template') compiled.push({ kind, source });
      else {
        const result = compileTemplate(source, this.#options);
        if (result.ok) {
          compiled.push({ kind: 'template', source, template: result.template });
          templates.add(source);
        } else if (result.reason === 'invalid') compiled.push({ kind: 'exact', source });
        else if (result.reason === 'too-long')
          throw refused(
            400,
            `a topic selector has ${source.length} characters; at most ${maxSelectorLength} (maxSelectorLength)`,
          );
        else
          throw refused(
            400,
            `a URI template has more than ${maxTemplateExpressions} expressions, each variable counted (maxTemplateExpressions)`,
          );
      }
      if (templates.size > maxTemplatesPerConnection)
        throw refused(
          400,
          `at most ${maxTemplatesPerConnection} distinct URI templates and URL patterns per subscription (maxTemplatesPerConnection)`,
        );
    }
    return compiled;
  }

  /**
   * Compiles the selectors of a token's claim leniently: one past the bounds, or invalid, matches only
   * itself (the token's issuer chose it; refusing the subscription would not make it any cheaper).
   */
  compileClaims(selectors: readonly string[]): TopicSelector[];
  compileClaims(selectors: readonly MatcherSpec[], baseUrl: string): TopicSelector[];
  compileClaims(selectors: readonly MatcherSpec[], baseUrl = ''): TopicSelector[] {
    return selectors.map((selector) => compileSelector(selector, this.#options, baseUrl));
  }

  /**
   * Counts the templates of one connection against its client address, or throws a 429 when the address
   * would hold more than the limit (templates it already holds on another connection count once). Call the
   * returned function exactly once when the connection ends.
   */
  admit(ip: string, selectors: readonly TopicSelector[]): () => void {
    const templates = [
      ...new Set(
        selectors.flatMap((s) =>
          s.kind === 'template' ? [s.source] : s.kind === 'urlpattern' ? [patternKey(s.source)] : [],
        ),
      ),
    ];
    if (templates.length === 0) return () => {};
    const held = this.#perIp.get(ip) ?? new Map<string, number>();
    const limit = this.#options.maxTemplatesPerIp;
    if (limit > 0) {
      const added = templates.reduce((n, template) => n + (held.has(template) ? 0 : 1), 0);
      if (held.size + added > limit)
        throw refused(429, `this address holds too many distinct URI templates; at most ${limit} (maxTemplatesPerIp)`, {
          'Retry-After': '5',
        });
    }
    for (const template of templates) held.set(template, (held.get(template) ?? 0) + 1);
    this.#perIp.set(ip, held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const template of templates) {
        const left = (held.get(template) ?? 1) - 1;
        if (left === 0) held.delete(template);
        else held.set(template, left);
      }
      if (held.size === 0) this.#perIp.delete(ip);
    };
  }

  /** How many distinct templates `ip` holds (for tests and metrics). */
  heldBy(ip: string): number {
    return this.#perIp.get(ip)?.size ?? 0;
  }
}

function refusedPattern(source: string, result: { reason: string; message: string }, max: number): HttpRejection {
  if (result.reason === 'too-long')
    return refused(400, `a URL pattern has ${source.length} characters; at most ${max} (maxSelectorLength)`);
  if (result.reason === 'invalid')
    return new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', `${JSON.stringify(source)} is not a valid URL pattern`);
  return refused(400, `URL pattern ${JSON.stringify(source)}: ${result.message}`);
}

/** A URL pattern's key among templates: no URI template has a newline, so the two never collide. */
function patternKey(source: string): string {
  return `URLPattern\n${source}`;
}

function refused(status: number, message: string, headers?: Record<string, string>): HttpRejection {
  return new HttpRejection(status, 'HOTLINE_HUB_SELECTOR_LIMIT', message, headers === undefined ? {} : { headers });
}
