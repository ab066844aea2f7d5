/**
 * node:http and node:http2 (compatibility API): `createSession(req, res)`. Express and Fastify hand over
 * the same objects (`req`/`res`, `request.raw`/`reply.raw` after `reply.hijack()`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { COMPRESSION_DEFAULTS, createStreamCompressor, negotiateEncoding } from '../compression.js';
import { SESSION_DEFAULTS } from '../defaults.js';
import { eventStreamHeaders } from '../headers.js';
import { readLastEventId } from '../last-event-id.js';
import { SseSession } from '../session.js';
import type { Session, SessionOptions, Sink } from '../types.js';

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;

/** Starts an event stream on a node:http or node:http2 response; headers are sent at once. */
export function createSession(req: NodeRequest, res: NodeResponse, options: SessionOptions = {}): Session {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const response = res as ServerResponse; // both response kinds share the members used below
  const compressionOptions = options.compression === true ? {} : options.compression || undefined;
  const encoding =
    compressionOptions === undefined
      ? undefined
      : negotiateEncoding(
          req.headers['accept-encoding'],
          compressionOptions.encodings ?? COMPRESSION_DEFAULTS.encodings,
        );
  const compressor = encoding === undefined ? undefined : createStreamCompressor(encoding, compressionOptions);
  const headers = eventStreamHeaders(req.httpVersionMajor, options.headers);
  if (compressionOptions !== undefined) headers.Vary = 'Accept-Encoding';
  if (compressor !== undefined) headers['Content-Encoding'] = compressor.encoding;
  response.writeHead(options.status ?? SESSION_DEFAULTS.status, headers);
  // Nagle would hold small event frames back for up to 40 ms; every frame here is a complete message.
  req.socket?.setNoDelay?.(true);
  // With compression the session writes to the compressor, which pipes into the response (and waits
  // for it when the socket is full); `drain` then comes from the compressor.
  compressor?.stream.pipe(response);
  const writable = compressor?.stream ?? response;
  const sink: Sink = {
    write: (bytes) => (compressor === undefined ? response.write(bytes) : compressor.write(bytes)),
    get bufferedBytes() {
      return compressor === undefined
        ? response.writableLength
        : compressor.stream.writableLength + compressor.stream.readableLength + response.writableLength;
    },
    end: () => {
      if (compressor !== undefined) compressor.stream.end();
      else if (!response.writableEnded) response.end();
    },
    abort: () => {
      compressor?.stream.destroy();
      response.destroy();
    },
  };
  const session = new SseSession(sink, readLastEventId(req.headers['last-event-id'], query), options);
  const onDrain = () => session.drained();
  const onClose = () => {
    cleanup();
    session.disconnected('client');
  };
  const onError = () => {
    cleanup();
    session.disconnected('error');
  };
  const cleanup = () => {
    compressor?.release();
    writable.off('drain', onDrain);
    response.off('close', onClose);
    response.off('error', onError);
  };
  writable.on('drain', onDrain);
  response.on('close', onClose);
  response.on('error', onError);
  session.on('close', cleanup);
  return session;
}
