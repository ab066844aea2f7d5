/**
 * The two shapes of a subscription resource, built from one neutral record: Mercure 0.x's
 * `/.well-known/mercure/subscriptions/{topic}/{subscriber}` with a `topic` selector, and Mercure 1.0's
 * `/.well-known/mercure/subscriptions/{matchType}/{match}/{subscriber}` with `matchType` and `match`.
 *
 * Mapping between generations (what "where the shapes allow" means): `*` and an exact topic are the same
 * subscription in both (`Exact`); a URL pattern is listed to 0.x clients with the pattern as its `topic`;
 * an RFC 6570 URI template has no 1.0 matcher type, so it appears in 0.x listings and events only.
 * @module
 */

export const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions';
export const JSON_LD_CONTEXT = 'https://mercure.rocks/';

/** Which text a request, and the documents answering it, follow. */
export type Generation = '0.x' | '1.0';

/** The Mercure 1.0 matcher types (spec: "The value MUST be the matcher type name in its canonical case"). */
export type MatchType = 'Exact' | 'URLPattern';
export const MATCH_TYPES: readonly MatchType[] = ['Exact', 'URLPattern'];

/** How a subscription selects topics, whichever generation asked. */
export type MatcherKind = 'any' | 'exact' | 'template' | 'urlpattern';

/** One subscription as the cluster records it (in the presence store) and announces it. */
export interface SubscriptionRecord {
  readonly subscriber: string;
  readonly kind: MatcherKind;
  /** The selector or pattern as the subscriber sent it. */
  readonly source: string;
  readonly payload?: unknown;
  /**
   * The subscriber id is the token's subject, which streams on several nodes may share: listings collapse
   * records with the same id. (Ids the hub generates are unique to one stream and need no such check.)
   */
  readonly shared?: true;
}

/** What makes two records one subscription: the same matcher held by the same subscriber. */
export function recordIdentity(record: SubscriptionRecord): string {
  return `${record.kind}\n${record.subscriber}\n${record.source}`;
}

/** A subscription document of either generation (`topic` in 0.x, `matchType` + `match` in 1.0). */
export interface SubscriptionResource {
  readonly id: string;
  readonly type: 'Subscription';
  readonly topic?: string;
  readonly matchType?: MatchType;
  readonly match?: string;
  readonly subscriber: string;
  readonly active: boolean;
  readonly payload?: unknown;
}

/**
 * spec(Mercure 1.0 §Subscription Events): "per [RFC6570] the value of each variable MUST be percent-encoded
 * exactly once during expansion, encoding the raw matcher or subscriber string as a whole" — RFC 6570 simple
 * expansion leaves only the unreserved characters as they are, so `!'()*`, which `encodeURIComponent`
 * keeps, are encoded too.
 */
export function expandVariable(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The 1.0 matcher type of a record, or `undefined` when 1.0 has no such type (a URI template). */
export function matchTypeOf(kind: MatcherKind): MatchType | undefined {
  if (kind === 'urlpattern') return 'URLPattern';
  return kind === 'template' ? undefined : 'Exact';
}

/** The id (and presence topic) of a subscription in the given generation, or `undefined` if it has none. */
export function resourceId(record: SubscriptionRecord, generation: Generation): string | undefined {
  const subscriber = expandVariable(record.subscriber);
  if (generation === '0.x') return `${SUBSCRIPTIONS_PATH}/${expandVariable(record.source)}/${subscriber}`;
  const matchType = matchTypeOf(record.kind);
  if (matchType === undefined) return undefined;
  return `${SUBSCRIPTIONS_PATH}/${matchType}/${expandVariable(record.source)}/${subscriber}`;
}

/** The record as a document of `generation`, or `undefined` when that generation cannot express it. */
export function toResource(
  record: SubscriptionRecord,
  generation: Generation,
  active: boolean,
): SubscriptionResource | undefined {
  const id = resourceId(record, generation);
  if (id === undefined) return undefined;
  const selection =
    generation === '0.x'
      ? { topic: record.source }
      : { matchType: matchTypeOf(record.kind) as MatchType, match: record.source };
  const resource: SubscriptionResource = {
    id,
    type: 'Subscription',
    ...selection,
    subscriber: record.subscriber,
    active,
  };
  return record.payload === undefined ? resource : { ...resource, payload: record.payload };
}

/** Which subscriptions a subscriptions-API path asks for (a collection when `subscriber` is unset). */
export interface SubscriptionsQuery {
  readonly generation: Generation | undefined;
  readonly matchType?: MatchType;
  /** The 0.x topic selector or the 1.0 matcher. */
  readonly source?: string;
  readonly subscriber?: string;
}

/** Does `record` answer `query` (shown in `query.generation`, which must be set)? */
export function recordAnswers(record: SubscriptionRecord, query: SubscriptionsQuery): boolean {
  if (query.subscriber !== undefined && record.subscriber !== query.subscriber) return false;
  if (query.source !== undefined && record.source !== query.source) return false;
  if (query.matchType !== undefined && matchTypeOf(record.kind) !== query.matchType) return false;
  return true;
}

/** Parses a stored record, or `undefined` when the value is not one (a store shared with other software). */
export function parseRecord(value: string): SubscriptionRecord | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<SubscriptionRecord> | null;
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const { subscriber, kind, source } = parsed;
    if (typeof subscriber !== 'string' || typeof source !== 'string') return undefined;
    if (kind !== 'any' && kind !== 'exact' && kind !== 'template' && kind !== 'urlpattern') return undefined;
    return parsed as SubscriptionRecord;
  } catch {
    return undefined;
  }
}
