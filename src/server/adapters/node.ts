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
import { scheduleTakeover, type TakenOverStream } from './node-takeover.js';

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
  // Compression is synchronous (see compression.ts), so the response (later the taken-over socket) is the
  // only buffer: its `drain` and buffered bytes are the session's backpressure, compressed or not.
  let compressionFailure: unknown;
  const handlers = {
    drain: () => session.drained(),
    close: () => {
      compressor?.release();
      session.disconnected(compressionFailure === undefined ? 'client' : 'error');
    },
    error: () => {
      compressor?.release();
      session.disconnected('error');
    },
  };
  let output: StreamOutput = responseOutput(response, handlers);
  // HTTP/1.1: after the first write the socket leaves node:http (node-takeover.ts), and nothing here may
  // keep the request or the response alive after it; HTTP/2 streams stay on node:http2.
  let pending: { req: IncomingMessage; res: ServerResponse } | undefined =
    req.httpVersionMajor === 1 ? { req: req as IncomingMessage, res: response } : undefined;
  const writeBytes = (bytes: Uint8Array): boolean => {
    const ok = output.write(bytes);
    if (pending !== undefined) {
      scheduleTakeover(pending.req, pending.res, handlers, (taken) => {
        output.forget?.();
        output = taken;
      });
      pending = undefined;
    }
    return ok;
  };
  const writeCompressed = (frames: readonly Uint8Array[], compressor: StreamCompressor) => {
    let compressed: Uint8Array;
    try {
      compressed = compressor.compress(frames);
    } catch (error) {
      // The stream cannot go on: the session ends with reason 'error' when the socket closes.
      compressionFailure = error;
      output.destroy();
      return true;
    }
    return writeBytes(compressed);
  };
  const sink: Sink = {
    write: (bytes) => (compressor === undefined ? writeBytes(bytes) : writeCompressed([bytes], compressor)),
    writeFrames(frames) {
      if (compressor !== undefined) return writeCompressed(frames, compressor);
      return writeBytes(joinFrames(frames));
    },
    get bufferedBytes() {
      return output.bufferedBytes;
    },
    end: () => output.end(compressor?.finish()),
    abort: () => {
      compressor?.release();
      output.destroy();
    },
  };
  const session = new SseSession(sink, readLastEventId(req.headers['last-event-id'], query), options);
  session.on('close', () => {
    compressor?.release();
    output.forget?.();
  });
  return session;
}

/** Where a session's bytes go: node:http's response, or the socket taken over from it. */
interface StreamOutput extends TakenOverStream {
  /** Stops listening to the response (taken over, or the session closed). */
  forget?(): void;
}

function responseOutput(
  response: ServerResponse,
  handlers: { drain(): void; close(): void; error(): void },
): StreamOutput {
  const forget = () => {
    response.off('drain', handlers.drain);
    response.off('close', handlers.close);
    response.off('error', handlers.error);
  };
  response.on('drain', handlers.drain);
  response.once('close', handlers.close);
  response.once('error', handlers.error);
  return {
    write: (bytes) => response.write(bytes),
    get bufferedBytes() {
      return response.writableLength;
    },
    end(last) {
      if (response.writableEnded || response.destroyed) return;
      if (last === undefined) response.end();
      else response.end(last);
    },
    destroy: () => response.destroy(),
    forget,
  };
}
