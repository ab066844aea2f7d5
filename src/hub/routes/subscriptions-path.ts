/**
 * What a subscriptions-API path asks for. Mercure 0.x: `/subscriptions[/{topic}[/{subscriber}]]`; Mercure
 * 1.0: `/subscriptions/{matchType}/{match}[/{subscriber}]`. A path whose first segment is a 1.0 matcher
 * type name (`Exact`, `URLPattern`, in that case) with one or two segments after it is read as 1.0: it
 * would otherwise be a 0.x topic literally named `Exact` or `URLPattern`, which the 0.x text never uses.
 * @module
 */
import { MATCH_TYPES, type MatchType, SUBSCRIPTIONS_PATH, type SubscriptionsQuery } from '../fanout/index.js';
import { decodePathSegment } from '../request-url.js';

/**
 * The query a path under {@link SUBSCRIPTIONS_PATH} names; `undefined` when it names no endpoint. A
 * percent-escape that is not UTF-8 throws a 400 (`HOTLINE_HUB_INVALID_URL`) whatever the shape.
 */
export function parseSubscriptionsPath(pathname: string): SubscriptionsQuery | undefined {
  const raw = pathname
    .slice(SUBSCRIPTIONS_PATH.length + 1)
    .split('/')
    .filter((segment) => segment !== '');
  const segments = raw.map(decodePathSegment);
  if (segments.length === 0) return { generation: undefined };
  const [first, second, third] = segments;
  // The matcher type is compared as sent: spec(Mercure 1.0 §Subscription Events): "URL path components are
  // case-sensitive."
  if (MATCH_TYPES.includes(raw[0] as MatchType) && (segments.length === 2 || segments.length === 3)) {
    const query = { generation: '1.0', matchType: raw[0] as MatchType, source: second as string } as const;
    return third === undefined ? query : { ...query, subscriber: third };
  }
  if (segments.length > 2) return undefined;
  return second === undefined
    ? { generation: '0.x', source: first as string }
    : { generation: '0.x', source: first as string, subscriber: second };
}
