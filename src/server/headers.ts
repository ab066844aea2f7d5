/**
 * The response headers of an event stream.
 * @module
 */
import { EVENT_STREAM_MIME_TYPE } from '../protocol/index.js';

/**
 * `no-transform` keeps proxies from compressing or rewriting the stream; `X-Accel-Buffering: no` turns
 * nginx's response buffering off for this response. `Connection` is a hop-by-hop header that HTTP/2
 * forbids (RFC 9113 §8.2.2), so it is sent on HTTP/1.x only.
 */
export function eventStreamHeaders(
  httpVersionMajor: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': `${EVENT_STREAM_MIME_TYPE}; charset=utf-8`,
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  };
  if (httpVersionMajor < 2) headers.Connection = 'keep-alive';
  return { ...headers, ...extra };
}
