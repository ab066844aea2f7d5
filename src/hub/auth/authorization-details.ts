/**
 * The `authorization_details` claim (RFC 9396) of a Mercure 1.0 access token: which actions it grants on
 * which topics, read all or nothing.
 *
 * spec(Mercure 1.0 §Authorization Details): "If any `mercure` authorization detail fails to parse or
 * validate (including failures specific to a matcher's `matchType`), the hub MUST reject the token the same
 * way and MUST NOT act on the basis of the remaining entries." So every function here either returns the
 * whole grant or throws; nothing is skipped but the details of other types, meant for other resources.
 * @module
 */
import { HttpRejection } from '../http-errors.js';
import { jsonValueTooDeep, MAX_JSON_DEPTH } from '../json-depth.js';
import { compileUrlPattern, type MatcherSpec, WILDCARD } from '../topics/index.js';

/** A topic matcher object of a token, its `matchType` resolved. */
export type TopicMatcherClaim = Exclude<MatcherSpec, string>;

/** The type of a Mercure authorization detail. */
export const MERCURE_DETAIL_TYPE = 'mercure';
/**
 * The type the alpha releases of the Mercure.rocks hub (v1.0.0-alpha.1–3) issued, with topic matchers
 * spelled `{ match, match_type: "exact" | "urlpattern" }` or `{ match_urlpattern }`: accepted, as a
 * documented compatibility alias, so tokens minted for those hubs keep working.
 */
export const ALPHA_DETAIL_TYPE = 'https://mercure.rocks/authorization-detail';

/** The implementation-defined limits of the claim. */
export interface AuthorizationDetailLimits {
  /** Most entries of `authorization_details` (of every type: each one costs a parse). */
  readonly maxDetails: number;
  /** Most topic matchers in one detail's `topics`. */
  readonly maxTopicsPerDetail: number;
  /** Longest `match`, in characters. */
  readonly maxPatternLength: number;
  /** Most variable parts (`:name`, `*`) in one URL pattern (what matching one costs grows with them). */
  readonly maxPatternParts: number;
}

/**
 * One `subscribe` detail's matchers and payload (`undefined` when it has none), in token order: the first
 * detail matching a subscription decides its payload, even when that detail carries none.
 */
export interface SubscribePayload {
  readonly topics: readonly TopicMatcherClaim[];
  readonly payload: unknown;
}

/** What the claim grants. */
export interface DetailGrant {
  readonly publish: readonly TopicMatcherClaim[];
  readonly subscribe: readonly TopicMatcherClaim[];
  /** Every `subscribe` detail, in token order, with its payload if any. */
  readonly payloads: readonly SubscribePayload[];
}

const ACTIONS = new Set(['publish', 'subscribe']);
// A Map, not an object literal: a token's `"match_type": "constructor"` must not find Object's own members.
const ALPHA_MATCH_TYPES: ReadonlyMap<unknown, TopicMatcherClaim['matchType']> = new Map([
  ['exact', 'Exact'],
  ['urlpattern', 'URLPattern'],
]);

/**
 * Reads the claim. `undefined` grants nothing: spec(Mercure 1.0 §Authorization Details): "Tokens with no
 * `mercure` authorization detail grant no publish or subscribe rights."
 */
export function readAuthorizationDetails(claim: unknown, limits: AuthorizationDetailLimits): DetailGrant {
  const grant = {
    publish: [] as TopicMatcherClaim[],
    subscribe: [] as TopicMatcherClaim[],
    payloads: [] as SubscribePayload[],
  };
  if (claim === undefined) return grant;
  if (!Array.isArray(claim)) throw invalid('the authorization_details claim must be an array');
  if (claim.length > limits.maxDetails)
    throw invalid(`the token has more than ${limits.maxDetails} authorization details`);
  claim.forEach((entry: unknown, index) => {
    const where = `authorization_details[${index}]`;
    if (!isObject(entry)) throw invalid(`${where} is not an object`);
    // spec(RFC 9396 §2): "type: REQUIRED. An identifier for the authorization details type as a string."
    if (typeof entry.type !== 'string') throw invalid(`${where} has no string type`);
    if (entry.type !== MERCURE_DETAIL_TYPE && entry.type !== ALPHA_DETAIL_TYPE) return;
    const detail = readDetail(entry, where, limits);
    if (detail.actions.has('publish')) grant.publish.push(...detail.topics);
    if (detail.actions.has('subscribe')) {
      grant.subscribe.push(...detail.topics);
      grant.payloads.push({ topics: detail.topics, payload: detail.payload });
    }
  });
  return grant;
}

interface Detail {
  readonly actions: ReadonlySet<string>;
  readonly topics: TopicMatcherClaim[];
  readonly payload: unknown;
}

function readDetail(entry: Record<string, unknown>, where: string, limits: AuthorizationDetailLimits): Detail {
  // spec(Mercure 1.0 §Authorization Details): "MUST have an `actions` property: a non-empty JSON array whose
  // values are a subset of ["publish", "subscribe"]".
  const actions = entry.actions;
  if (!Array.isArray(actions) || actions.length === 0) throw invalid(`${where}.actions must be a non-empty array`);
  for (const action of actions) {
    if (typeof action !== 'string' || !ACTIONS.has(action))
      throw invalid(`${where}.actions may hold only "publish" and "subscribe"`);
  }
  // spec(Mercure 1.0 §Authorization Details): "MUST have a `topics` property: a non-empty JSON array of topic
  // matcher objects".
  const topics = entry.topics;
  if (!Array.isArray(topics) || topics.length === 0) throw invalid(`${where}.topics must be a non-empty array`);
  if (topics.length > limits.maxTopicsPerDetail)
    throw invalid(`${where}.topics has more than ${limits.maxTopicsPerDetail} matchers`);
  const matchers = topics.map((topic: unknown, i) => readMatcher(topic, `${where}.topics[${i}]`, limits));
  // spec(Mercure 1.0 §Authorization Details): "MAY have a `payload` property (a JSON object)".
  const payload = entry.payload;
  if (payload !== undefined) {
    if (!isObject(payload)) throw invalid(`${where}.payload must be a JSON object`);
    // Serialized again (subscriptions API, subscription events): past this depth that overflows the stack.
    if (jsonValueTooDeep(payload)) throw invalid(`${where}.payload nests deeper than ${MAX_JSON_DEPTH}`);
  }
  return { actions: new Set(actions as string[]), topics: matchers, payload };
}

/**
 * spec(Mercure 1.0 §Topic Matcher List): "It MUST be a JSON object with a `match` property containing the
 * topic matcher itself, and MAY have an OPTIONAL `matchType` property containing the matcher type. The value
 * of `matchType` is case-sensitive and MUST be either `Exact` or `URLPattern` […]. If no `matchType` key is
 * present, the hub MUST assume the `Exact` matcher type."
 */
function readMatcher(topic: unknown, where: string, limits: AuthorizationDetailLimits): TopicMatcherClaim {
  if (!isObject(topic)) throw invalid(`${where} is not an object`);
  const spellings = ['match', 'match_urlpattern'].filter((key) => topic[key] !== undefined);
  if (spellings.length !== 1) throw invalid(`${where} must have exactly one of match and match_urlpattern`);
  const match = topic[spellings[0] as string];
  if (typeof match !== 'string' || match === '') throw invalid(`${where}: the matcher must be a non-empty string`);
  if (match.length > limits.maxPatternLength)
    throw invalid(`${where}: the matcher is longer than ${limits.maxPatternLength} characters`);
  const type = matchType(topic, spellings[0] === 'match_urlpattern', where);
  // spec(Mercure 1.0 §Authorization Details): "including failures specific to a matcher's `matchType`": a
  // URL pattern that does not compile, or past the hub's cost bounds, refuses the token now, rather than
  // silently matching nothing later. `*` is the wildcard whatever the type. The polyfill is slow (measured:
  // 1,000 patterns in 175–465 ms; a 16 KiB header holds ~350), but this runs once per distinct token and
  // only after its signature verified: only a key holder can make the hub pay it.
  if (type === 'URLPattern' && match !== WILDCARD) {
    const compiled = compileUrlPattern(match, PATTERN_CHECK_BASE, {
      maxSelectorLength: limits.maxPatternLength,
      maxTemplateExpressions: limits.maxPatternParts,
    });
    if (!compiled.ok) throw invalid(`${where}: the URL pattern is ${compiled.message}`);
  }
  return { matchType: type, match };
}

/**
 * Whether a pattern compiles does not depend on the hub's URL (only what it matches does): relative
 * patterns are checked against a stand-in, and compiled against the real one when a subscriber uses them.
 */
const PATTERN_CHECK_BASE = 'https://hub.invalid/.well-known/mercure';

function matchType(
  topic: Record<string, unknown>,
  alphaUrlPattern: boolean,
  where: string,
): TopicMatcherClaim['matchType'] {
  const spec = topic.matchType;
  const alpha = topic.match_type;
  if ([spec, alpha].filter((value) => value !== undefined).length + (alphaUrlPattern ? 1 : 0) > 1)
    throw invalid(`${where} states its matcher type more than once`);
  if (alphaUrlPattern) return 'URLPattern';
  if (spec !== undefined) {
    if (spec === 'Exact' || spec === 'URLPattern') return spec;
    throw invalid(`${where}.matchType must be "Exact" or "URLPattern"`);
  }
  if (alpha !== undefined) {
    const type = ALPHA_MATCH_TYPES.get(alpha);
    if (type === undefined) throw invalid(`${where}.match_type must be "exact" or "urlpattern"`);
    return type;
  }
  return 'Exact';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * spec(Mercure 1.0 §Authorization Details): "These are defects of the presented token, not of the request,
 * so they are reported as `invalid_token` rather than `invalid_request`" — a 401, like every token defect.
 */
function invalid(message: string): HttpRejection {
  return new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', message);
}
