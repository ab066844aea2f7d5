/**
 * URL Pattern topic matchers (Mercure 1.0 §URL Pattern), parsed and validated by `urlpattern-polyfill`
 * (the WHATWG URL Pattern standard; Node 20 has no global `URLPattern`). Relative patterns and relative
 * topics are resolved against the hub's URL.
 *
 * spec(Mercure 1.0 §URL Pattern): "hubs MUST either use a regular expression engine that guarantees
 * linear-time matching (such as RE2) or enforce an implementation-defined evaluation cost or time limit."
 * The library compiles to backtracking JavaScript regular expressions, so only patterns whose cost is
 * bounded are accepted: no custom regular expression groups, at most one wildcard part.
 * @module
 */
import { URLPattern } from 'urlpattern-polyfill/urlpattern';

/** A compiled URL pattern, bound to the hub URL it resolves against. */
export interface UrlPattern {
  /** The pattern as the token or the request stated it. */
  readonly source: string;
  /** The hub's URL: relative patterns and relative topics resolve against it. */
  readonly baseUrl: string;
  /** Does `topic` (resolved against {@link baseUrl}) match? */
  matches(topic: string): boolean;
}

/** What a URL pattern may cost: past either bound it is not compiled. */
export interface UrlPatternBounds {
  /** Longest pattern, in UTF-16 code units. */
  readonly maxSelectorLength: number;
}

/** Why a pattern is refused, or the compiled pattern. */
export type UrlPatternCompilation =
  | { readonly ok: true; readonly pattern: UrlPattern }
  | { readonly ok: false; readonly reason: 'invalid' | 'too-long' | 'too-costly'; readonly message: string };

/** Compiles `source` against `baseUrl`; never throws. */
export function compileUrlPattern(source: string, baseUrl: string, bounds: UrlPatternBounds): UrlPatternCompilation {
  if (source.length > bounds.maxSelectorLength)
    return { ok: false, reason: 'too-long', message: `longer than ${bounds.maxSelectorLength} characters` };
  let compiled: URLPattern;
  try {
    compiled = new URLPattern(source, baseUrl);
  } catch {
    return { ok: false, reason: 'invalid', message: 'not a valid URL pattern' };
  }
  const variableParts = source.match(/[:*(]/g)?.length ?? 0;
  if (variableParts > 1)
    return { ok: false, reason: 'too-costly', message: 'at most one parameter, wildcard or group per pattern' };
  return {
    ok: true,
    pattern: {
      source,
      baseUrl,
      matches: (topic) => compiled.test(topic, baseUrl),
    },
  };
}
