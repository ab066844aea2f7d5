/**
 * A topic rule as a token or a request states it, in either generation of Mercure: a 0.x selector string
 * (`*`, an exact topic, or an RFC 6570 URI template) or a 1.0 topic matcher object. Both compile to a
 * `TopicSelector` (selectors.ts); only there do they differ.
 * @module
 */

/** The matcher types of Mercure 1.0, in their canonical case. */
export type MatcherType = 'Exact' | 'URLPattern';

/** A topic rule as a token or a request states it. */
export type MatcherSpec =
  | string // Mercure 0.x selector: `*`, an exact topic, or an RFC 6570 URI template
  | { readonly matchType: MatcherType; readonly match: string }; // Mercure 1.0 topic matcher

/** spec(Mercure 1.0 §Matcher Types): "The matcher value `*` is reserved as a wildcard that matches every topic." */
export const WILDCARD = '*';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * spec(Mercure 1.0 §Terminology): topic strings "MUST NOT contain C0 (U+0000–U+001F) or C1 (U+0080–U+009F)
 * control characters or U+007F (DEL)" — nor may matcher values (§Subscription).
 */
export function hasControlCharacter(value: string): boolean {
  return CONTROL.test(value);
}

/** The text of a rule: the 0.x selector or the 1.0 matcher's `match`. */
export function matcherText(spec: MatcherSpec): string {
  return typeof spec === 'string' ? spec : spec.match;
}

/**
 * spec(Mercure 1.0 §Matcher Types): `*` "is recognized before the matcher type is resolved, so it has this
 * meaning regardless of matcher type".
 */
export function isWildcard(spec: MatcherSpec): boolean {
  return matcherText(spec) === WILDCARD;
}

/** The generation of Mercure a request speaks: it picks the rules its publish must follow. */
export type Generation = '0.x' | '1.0';

/**
 * The generation a credential's rules were stated in: 1.0 access tokens carry topic matcher objects, 0.x
 * tokens selector strings. Rules of no generation (none at all) are taken as 0.x, whose rules are the laxer.
 */
export function rulesGeneration(rules: readonly MatcherSpec[]): Generation {
  return rules.some((rule) => typeof rule !== 'string') ? '1.0' : '0.x';
}
