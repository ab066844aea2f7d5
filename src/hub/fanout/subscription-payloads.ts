/**
 * Which payload each subscription carries in presence and the subscriptions API. Mercure 0.x: the token's
 * one `mercure.payload`, on every subscription. Mercure 1.0: per subscription, the payload of the first
 * `subscribe` authorization detail whose topics match the subscription's own matcher string.
 * @module
 */
import { anySelectorMatches, type MatcherSpec, type TopicSelector } from '../topics/index.js';

/** A `subscribe` authorization detail that carries a payload, with the topic matchers it applies to. */
export interface PayloadRule {
  readonly topics: readonly MatcherSpec[];
  readonly payload: unknown;
}

/**
 * The payload of each of `selectors`, in order. `rules` undefined (a 0.x token): `fallback` for all.
 * `compile` compiles a rule's topics as the hub compiles a token's (URL patterns bound to the hub's URL);
 * it runs once per rule, and a subscribe costs at most rules × selectors matches, both bounded by the
 * token and request limits.
 */
export function subscriptionPayloads(
  selectors: readonly TopicSelector[],
  rules: readonly PayloadRule[] | undefined,
  fallback: unknown,
  compile: (topics: readonly MatcherSpec[]) => TopicSelector[],
): unknown[] {
  if (rules === undefined) return selectors.map(() => fallback);
  const compiled = rules.map((rule) => ({ topics: compile(rule.topics), payload: rule.payload }));
  // spec(Mercure 1.0 §Payloads): "The `payload` of the first `subscribe` authorization detail whose `topics`
  // matches the subscription's own matcher (the `match` or `match<MatcherType>` query parameter value) MUST
  // be included under the `payload` key"; "Matching here treats the subscription's own matcher string as if
  // it were a topic".
  return selectors.map(
    (selector) => compiled.find((rule) => anySelectorMatches(rule.topics, [selector.source]))?.payload,
  );
}
