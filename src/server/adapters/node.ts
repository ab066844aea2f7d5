/**
 * node:http and node:http2 (compatibility API): `createSession(req, res)`. Express and Fastify hand over
 * the same objects (`req`/`res`, `request.raw`/`reply.raw` after `reply.hijack()`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { EventSchemas } from '../../protocol/index.js';
import { negotiateCompression, type StreamCompressor } from '../compression.js';
import { SESSION_DEFAULTS } from '../defaults.js';
import { eventStreamHeaders } from '../headers.js';
import { readLastEventId } from '../last-event-id.js';
import { SseSession } from '../session.js';
import type { Session, SessionOptions, Sink, TypedSession } from '../types.js';

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

let lastFrames: readonly Uint8Array[] = [];
let lastJoined: Uint8Array = new Uint8Array(0);

/**
 * One turn's frames as one write. A channel's subscribers flush the very same frames in a turn, so the
 * last join is kept and handed to every socket that writes the same frames: node never changes what it
 * was given to write, and 10,000 subscribers then cost one copy instead of 10,000.
 */
function joinFrames(frames: readonly Uint8Array[]): Uint8Array {
  if (frames.length === 1) return frames[0]!;
  if (sameFrames(frames, lastFrames)) return lastJoined;
  lastFrames = frames;
  lastJoined = Buffer.concat(frames);
  return lastJoined;
}

function sameFrames(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Starts an event stream on a node:http or node:http2 response; headers are sent at once. */
export function createSession<S extends EventSchemas>(
  req: NodeRequest,
  res: NodeResponse,
  options: SessionOptions & { schemas: S },
): TypedSession<S>;
export function createSession(req: NodeRequest, res: NodeResponse, options?: SessionOptions): Session;
export function createSession(req: NodeRequest, res: NodeResponse, options: SessionOptions = {}): Session {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const response = res as ServerResponse; // both response kinds share the members used below
  const { compressor, headers: encodingHeaders } = negotiateCompression(
    req.headers['accept-encoding'],
    options.compression,
  );
  const headers = { ...eventStreamHeaders(req.httpVersionMajor, options.headers), ...encodingHeaders };
  response.writeHead(options.status ?? SESSION_DEFAULTS.status, headers);
  // Nagle would hold small event frames back for up to 40 ms; every frame here is a complete message.
  req.socket?.setNoDelay?.(true);
  // Compression is synchronous (see compression.ts), so the response is the only buffer: its `drain` and
  // `writableLength` are the session's backpressure, compressed or not.
  let compressionFailure: unknown;
  const writeCompressed = (frames: readonly Uint8Array[], compressor: StreamCompressor) => {
    let compressed: Uint8Array;
    try {
      compressed = compressor.compress(frames);
    } catch (error) {
      // The stream cannot go on: the session ends with reason 'error' when the socket closes.
      compressionFailure = error;
      response.destroy();
      return true;
    }
    return response.write(compressed);
  };
  const sink: Sink = {
    write: (bytes) => (compressor === undefined ? response.write(bytes) : writeCompressed([bytes], compressor)),
    writeFrames(frames) {
      if (compressor !== undefined) return writeCompressed(frames, compressor);
      return response.write(joinFrames(frames));
    },
    get bufferedBytes() {
      return response.writableLength;
    },
    end: () => {
      if (response.writableEnded || response.destroyed) return;
      if (compressor === undefined) response.end();
      else response.end(compressor.finish());
    },
    abort: () => {
      compressor?.release();
      response.destroy();
    },
  };
  const session = new SseSession(sink, readLastEventId(req.headers['last-event-id'], query), options);
  const onDrain = () => session.drained();
  const onClose = () => {
    cleanup();
    session.disconnected(compressionFailure === undefined ? 'client' : 'error');
  };
  const onError = () => {
    cleanup();
    session.disconnected('error');
  };
  const cleanup = () => {
    compressor?.release();
    response.off('drain', onDrain);
    response.off('close', onClose);
    response.off('error', onError);
  };
  response.on('drain', onDrain);
  response.on('close', onClose);
  response.on('error', onError);
  session.on('close', cleanup);
  return session;
}
