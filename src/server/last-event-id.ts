/**
 * The id a reconnecting client resumes from.
 * @module
 */

/**
 * spec(§9.2.4): a reconnecting EventSource sends `Last-Event-ID`. Clients that cannot set headers (a
 * first connection from a browser that stored the id) send a `lastEventId` query parameter instead.
 */
export function readLastEventId(
  header: string | string[] | undefined | null,
  query: URLSearchParams,
): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value === 'string' && value !== '') return value;
  const fromQuery = query.get('lastEventId');
  return fromQuery === null || fromQuery === '' ? undefined : fromQuery;
}
