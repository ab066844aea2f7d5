/**
 * Bench subscribers as HTTP/2 streams, the way a browser opens EventSources to an HTTP/2 hub: up to
 * {@link STREAMS_PER_CONNECTION} streams share one TLS connection, with Chromium's flow-control windows, so
 * the measurement is the hub's HTTP/2 fan-out rather than the client's buffering.
 * @module
 */
import { type ClientHttp2Session, type ClientHttp2Stream, connect } from 'node:http2';
import { isIP } from 'node:net';
import type { SubscribeTarget } from './messages.js';

/** Streams per connection: below the hub's limit of 250 concurrent streams, like a busy browser origin. */
export const STREAMS_PER_CONNECTION = 100;
/** Chromium's windows: 6 MiB per stream, 15 MiB per connection. */
const STREAM_WINDOW_BYTES = 6 * 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 15 * 1024 * 1024;

/** The HTTP/2 connections of one worker, filled one after the other. */
export class Http2Streams {
  readonly #sessions: ClientHttp2Session[] = [];
  #current: { session: ClientHttp2Session; streams: number } | undefined;

  /**
   * Opens one stream for `path` (with `extraHeaders`, e.g. Last-Event-ID); the response head comes as the
   * stream's `response` event.
   */
  open(target: SubscribeTarget, path: string, extraHeaders: Record<string, string> = {}): ClientHttp2Stream {
    const session = this.#session(target);
    const headers: Record<string, string> = { ':path': path, accept: 'text/event-stream', 'cache-control': 'no-cache' };
    for (const [name, value] of Object.entries({ ...target.headers, ...extraHeaders }))
      headers[name.toLowerCase()] = value;
    return session.request(headers);
  }

  /** Closes every connection (and so every stream on them). */
  destroy(): void {
    for (const session of this.#sessions) session.destroy();
  }

  #session(target: SubscribeTarget): ClientHttp2Session {
    const current = this.#current;
    if (current !== undefined && current.streams < STREAMS_PER_CONNECTION && !current.session.closed) {
      current.streams++;
      return current.session;
    }
    const host = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
    const trust = target.tlsTrust;
    const session = connect(`https://${host}:${target.port}`, {
      ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
      ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
      rejectUnauthorized: trust?.insecure !== true,
      settings: { initialWindowSize: STREAM_WINDOW_BYTES },
    });
    session.on('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
    // A failed connection fails its streams, which count it; the session's own error adds nothing.
    session.on('error', () => {});
    this.#sessions.push(session);
    this.#current = { session, streams: 1 };
    return session;
  }
}
