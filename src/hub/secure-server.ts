/**
 * HTTPS for the hub: HTTP/2 and HTTP/1.1 on one port, chosen per connection by ALPN
 * (`http2.createSecureServer({ allowHTTP1: true })`). HTTP/2 is what lifts the browser's limit of six
 * HTTP/1.1 connections per origin: every EventSource of a page (and of its other tabs) shares one TCP
 * connection. The router sees the HTTP/2 compatibility objects, which carry every member it reads.
 *
 * The limits of the plain server hold here too: the HTTP/1.1 fallback reads the same timeouts from the
 * server; on HTTP/2, the TLS handshake must end within `headersTimeoutMs`, a publish body must arrive within
 * `requestTimeoutMs`, and a session without streams is closed when idle.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  constants,
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type SecureServerOptions,
} from 'node:http2';
import type { Duplex } from 'node:stream';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { HotlineError } from '../errors.js';
import { HttpRejection, sendError } from './http-errors.js';
import { type HubServer, http1Timeouts, listenOn, stopAccepting, type TlsCredentials } from './listen.js';
import type { ResolvedHubOptions } from './options.js';
import type { Router } from './router.js';

/** Streams one HTTP/2 connection may have open at once (Caddy's default); a browser queues the next ones. */
export const MAX_CONCURRENT_STREAMS = 250;
/** An HTTP/2 connection with no open stream is closed (GOAWAY) after this long without a frame. */
export const IDLE_SESSION_MS = 60_000;

export function createSecureHubServer(config: ResolvedHubOptions, router: Router, tls: TlsCredentials): HubServer {
  // The HTTP/2 compatibility request and response carry every member the router and the routes use
  // (method, url, headers, socket.remoteAddress, socket.destroyed, writeHead/write/end, drain and close).
  const handler = router.handler as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  const options: SecureServerOptions = {
    ...credentials(tls),
    allowHTTP1: true,
    handshakeTimeout: config.headersTimeoutMs,
    settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
  };
  const server = createSecureServer(options, handler);
  // Read by the HTTP/1.1 fallback's connection handling, exactly as on the plain server.
  Object.assign(server, http1Timeouts(config));
  server.on('clientError', router.onClientError);
  server.on('connect', (req: IncomingMessage | Http2ServerRequest, socketOrResponse: Duplex | Http2ServerResponse) => {
    // HTTP/1.1 hands over the raw socket; HTTP/2 a response on the stream of the CONNECT.
    if ('stream' in socketOrResponse) {
      sendError(
        req as unknown as IncomingMessage,
        socketOrResponse as unknown as ServerResponse,
        new HttpRejection(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', 'CONNECT is not allowed: the hub is not a proxy'),
      );
    } else router.onConnect(req as IncomingMessage, socketOrResponse);
  });
  server.on('request', (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    if ('stream' in req) boundRequestBody(req, res as Http2ServerResponse, config.requestTimeoutMs);
  });

  const sessions = new Set<Http2Session>();
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    closeWhenIdle(session, IDLE_SESSION_MS);
  });

  return {
    scheme: 'https',
    listen: (port, host) => listenOn(server, port, host),
    stopAccepting(graceMs) {
      const stopped = stopAccepting(server, graceMs);
      // GOAWAY: clients open no new stream here and reconnect elsewhere; open streams may still finish.
      for (const session of sessions) session.close();
      return stopped;
    },
    close() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      return closing;
    },
    setCredentials(next) {
      // Only new handshakes use the new context: open connections, and the streams on them, carry on.
      server.setSecureContext(credentials(next));
    },
  };
}

/** The context options for `cert` and `key`, checked now: a bad PEM or a key of another certificate throws. */
function credentials(tls: TlsCredentials): { cert: string | Buffer; key: string | Buffer } {
  const { cert, key } = tls;
  try {
    // Checked here so that a bad PEM, or a key of another certificate, is one clear error naming TLS.
    createSecureContext({ cert, key });
  } catch (error) {
    throw new HotlineError(
      'HOTLINE_HUB_INVALID_OPTIONS',
      `the TLS certificate and key cannot be used: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { cert, key };
}

/**
 * An HTTP/2 publish whose body has not arrived within `timeoutMs` gets a 408 and its stream is reset,
 * as node:http's `requestTimeout` does for HTTP/1.1. Requests that ended with their headers (every
 * subscribe) are not timed, so streams are never cut by it.
 */
function boundRequestBody(req: Http2ServerRequest, res: Http2ServerResponse, timeoutMs: number): void {
  const { stream } = req;
  if (stream.endAfterHeaders) return;
  const timer = setTimeout(() => {
    // RST_STREAM(NO_ERROR) after a complete response tells the client to stop sending (RFC 9113 §8.1).
    const stop = () => stream.close(constants.NGHTTP2_NO_ERROR);
    if (res.headersSent) return stop();
    res.once('finish', stop);
    sendError(
      req as unknown as IncomingMessage,
      res as unknown as ServerResponse,
      new HttpRejection(408, 'HOTLINE_HUB_REQUEST_TIMEOUT', `the request did not arrive within ${timeoutMs} ms`),
    );
  }, timeoutMs);
  timer.unref();
  const done = () => clearTimeout(timer);
  req.once('end', done);
  stream.once('close', done);
}

/**
 * Closes the session (GOAWAY) once it has gone `idleMs` without a frame while no stream is open. A stream
 * keeps its connection however quiet it is: heartbeats may be off, and a subscription may be silent for hours.
 */
export function closeWhenIdle(session: Http2Session, idleMs: number): void {
  let open = 0;
  const onIdle = () => {
    if (open === 0) session.close();
  };
  session.on('stream', (stream) => {
    open++;
    stream.once('close', () => {
      // Restarted here: a timer that fired while the stream was open waits for the next frame, which an
      // idle client may never send.
      if (--open === 0 && !session.closed && !session.destroyed) session.setTimeout(idleMs);
    });
  });
  // One listener; setTimeout without a callback only re-arms the timer (with one, each call adds a listener).
  session.on('timeout', onIdle);
  session.setTimeout(idleMs);
}
