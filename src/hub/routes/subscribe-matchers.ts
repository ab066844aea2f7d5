/**
 * The topic rules of a subscribe request, in both generations: 0.x `topic` selectors (unchanged: any string)
 * and Mercure 1.0 topic matcher parameters (`match`, `matchExact`, `matchURLPattern`, and the alpha-era
 * alias `match_urlpattern`), each a subscription. The 1.0 values are read from the raw query, so that
 * invalid UTF-8 is refused instead of silently becoming U+FFFD as `URLSearchParams` would have it.
 * @module
 */
import { bearerChallenge } from '../auth/index.js';
import { HttpRejection } from '../http-errors.js';
import { hasControlCharacter, type MatcherSpec, type MatcherType } from '../topics/index.js';

/** spec(Mercure 1.0 §Subscription): the parameter names of the matcher types, case-sensitive. */
const MATCH_PARAMETERS: ReadonlyMap<string, MatcherType> = new Map([
  ['match', 'Exact'],
  ['matchExact', 'Exact'],
  ['matchURLPattern', 'URLPattern'],
  // [NON-SPEC] draft alphas (v1.0.0-alpha.1–3) spelled it so; hubs meet clients of every generation.
  ['match_urlpattern', 'URLPattern'],
]);

/** What a subscribe request may ask for. */
export interface SubscribeMatcherLimits {
  /** Most `topic` and `match*` parameters together. */
  readonly maxTopics: number;
  /** Longest `match*` value, in UTF-16 code units. */
  readonly maxSelectorLength: number;
}

/**
 * The request's rules in query order: a `topic` value as a 0.x string, a `match*` value as a
 * {@link MatcherSpec} object. Throws a 400 for a name in the reserved `match` namespace that is no matcher
 * type, a value that is not UTF-8 or holds control characters, or past a limit.
 */
export function parseSubscribeMatchers(search: string, limits: SubscribeMatcherLimits): MatcherSpec[] {
  const rules: MatcherSpec[] = [];
  let matchers = 0;
  // The query is bounded by the request head's size, so this loop is too.
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals < 0 ? pair : pair.slice(0, equals);
    const rawValue = equals < 0 ? '' : pair.slice(equals + 1);
    const name = lenientDecode(rawName);
    if (name === 'topic') rules.push(lenientDecode(rawValue));
    else if (name.slice(0, 5).toLowerCase() === 'match') {
      rules.push(matcher(name, rawValue, limits));
      matchers++;
    }
  }
  // A 0.x request gets the answers it always got; one with a matcher, the 1.0 `invalid_request`.
  if (rules.length === 0)
    throw new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', 'subscribe with at least one topic parameter');
  if (rules.length > limits.maxTopics) {
    if (matchers > 0) throw invalidRequest(`at most ${limits.maxTopics} topic and match parameters together`);
    throw new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', `at most ${limits.maxTopics} topic parameters`);
  }
  return rules;
}

function matcher(name: string, rawValue: string, limits: SubscribeMatcherLimits): MatcherSpec {
  const matchType = MATCH_PARAMETERS.get(name);
  // spec(Mercure 1.0 §Subscription): "A request using a parameter name in the reserved `match` namespace (…)
  // that does not correspond to a matcher type defined in (#matcher-types) MUST be rejected with a 400"
  if (matchType === undefined)
    throw invalidRequest(
      `${JSON.stringify(name.slice(0, 64))} is reserved: match, matchExact and matchURLPattern name the matcher types`,
    );
  const match = percentDecode(rawValue);
  // spec(Mercure 1.0 §Subscription): "The value of each topic matcher query parameter MUST be valid UTF-8 and
  // MUST NOT contain C0 (U+0000–U+001F) or C1 (U+0080–U+009F) control characters or U+007F. Requests violating
  // this constraint MUST be rejected with a 400"
  if (match === undefined) throw invalidRequest(`the ${name} value is not valid UTF-8`);
  if (hasControlCharacter(match)) throw invalidRequest(`the ${name} value holds a control character`);
  // spec(Mercure 1.0 §Subscription): maximums "to the length of each matcher's pattern. Requests exceeding any
  // such limit MUST be rejected with a 400"
  if (match.length > limits.maxSelectorLength)
    throw invalidRequest(
      `a ${name} value has ${match.length} characters; at most ${limits.maxSelectorLength} (maxSelectorLength)`,
    );
  return { matchType, match };
}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * spec(URL §application/x-www-form-urlencoded parsing): `+` is a space, then percent-decoding of the bytes;
 * `undefined` when those bytes are not UTF-8 (where the standard would substitute U+FFFD).
 */
function percentDecode(raw: string): string | undefined {
  const input = Buffer.from(raw.replace(/\+/g, ' '), 'utf8');
  const output = Buffer.allocUnsafe(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    const high = hexValue(input[i + 1]);
    const low = hexValue(input[i + 2]);
    if (byte === 0x25 && high >= 0 && low >= 0) {
      output[length++] = high * 16 + low;
      i += 2;
    } else output[length++] = byte;
  }
  try {
    return FATAL_UTF8.decode(output.subarray(0, length));
  } catch {
    return undefined;
  }
}

/** A name, or a 0.x `topic` value, decoded as `URLSearchParams` always has (bad UTF-8 becomes U+FFFD). */
function lenientDecode(raw: string): string {
  return new URLSearchParams(`v=${raw}`).get('v') ?? '';
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/**
 * A malformed subscribe request. spec(Mercure 1.0 §Error Responses): "If the request is malformed, the hub
 * MUST return a 400 "Bad Request" status code with `error="invalid_request"`."
 */
function invalidRequest(message: string): HttpRejection {
  return new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', message, {
    headers: { 'WWW-Authenticate': bearerChallenge('invalid_request', undefined) },
  });
}
