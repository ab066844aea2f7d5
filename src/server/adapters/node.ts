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
import { scheduleTakeover, type TakenOverStream, type TakeoverHandlers } from './node-takeover.js';

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
  // HTTP/1.1: after the first write the socket leaves node:http (node-takeover.ts); HTTP/2 stays on it.
  const sink = new NodeSink(response, compressor, req.httpVersionMajor === 1 ? (req as IncomingMessage) : undefined);
  const session = new SseSession(sink, readLastEventId(req.headers['last-event-id'], query), options);
  sink.session = session;
  return session;
}

/**
 * A session's sink on node:http. A class, not closures: one object per stream with its methods shared,
 * where a dozen closures (and an object literal with a getter, which V8 keeps as a dictionary) cost
 * about 2 KB per idle subscriber. Nothing here refers to the request or the response once the socket is
 * taken over, so both are freed.
 *
 * Compression is synchronous (see compression.ts), so the response (later the taken-over socket) is the
 * only buffer: its `drain` and buffered bytes are the session's backpressure, compressed or not.
 */
class NodeSink implements Sink, TakeoverHandlers {
  session: SseSession | undefined;
  #output: StreamOutput;
  readonly #compressor: StreamCompressor | undefined;
  #compressionFailure: unknown;
  /** Until the first write: the request and response whose socket is to be taken over. */
  #takeover: { req: IncomingMessage; res: ServerResponse } | undefined;

  constructor(response: ServerResponse, compressor: StreamCompressor | undefined, http1: IncomingMessage | undefined) {
    this.#compressor = compressor;
    this.#output = new ResponseOutput(response, this);
    this.#takeover = http1 === undefined ? undefined : { req: http1, res: response };
  }

  write(bytes: Uint8Array): boolean {
    return this.#compressor === undefined ? this.#write(bytes) : this.#writeCompressed([bytes], this.#compressor);
  }

  writeFrames(frames: readonly Uint8Array[]): boolean {
    if (this.#compressor !== undefined) return this.#writeCompressed(frames, this.#compressor);
    return this.#write(joinFrames(frames));
  }

  get bufferedBytes(): number {
    return this.#output.bufferedBytes;
  }

  end(): void {
    this.#output.end(this.#compressor?.finish());
    this.#output.forget?.();
  }

  abort(): void {
    this.#compressor?.release();
    this.#output.destroy();
    this.#output.forget?.();
  }

  /** The runtime takes bytes again. */
  drain(): void {
    this.session?.drained();
  }

  /** The connection is gone. */
  close(): void {
    this.#compressor?.release();
    this.session?.disconnected(this.#compressionFailure === undefined ? 'client' : 'error');
  }

  /** The response failed. */
  error(): void {
    this.#compressor?.release();
    this.session?.disconnected('error');
  }

  /** Called by node-takeover.ts in the turn after the first write. */
  taken(stream: TakenOverStream): void {
    this.#output.forget?.();
    this.#output = stream;
  }

  #write(bytes: Uint8Array): boolean {
    const ok = this.#output.write(bytes);
    if (this.#takeover !== undefined) {
      scheduleTakeover(this.#takeover.req, this.#takeover.res, this);
      this.#takeover = undefined;
    }
    return ok;
  }

  #writeCompressed(frames: readonly Uint8Array[], compressor: StreamCompressor): boolean {
    let compressed: Uint8Array;
    try {
      compressed = compressor.compress(frames);
    } catch (error) {
      // The stream cannot go on: the session ends with reason 'error' when the socket closes.
      this.#compressionFailure = error;
      this.#output.destroy();
      return true;
    }
    return this.#write(compressed);
  }
}

/** Where a session's bytes go: node:http's response, or the socket taken over from it. */
interface StreamOutput extends TakenOverStream {
  /** Stops listening to the response (taken over, or the session ended). */
  forget?(): void;
}

/** The response as node:http (or node:http2's compatibility API) hands it over. */
class ResponseOutput implements StreamOutput {
  readonly #response: ServerResponse;
  readonly #drain: () => void;
  readonly #close: () => void;
  readonly #error: () => void;

  constructor(response: ServerResponse, sink: NodeSink) {
    this.#response = response;
    this.#drain = () => sink.drain();
    this.#close = () => sink.close();
    this.#error = () => sink.error();
    response.on('drain', this.#drain);
    response.once('close', this.#close);
    response.once('error', this.#error);
  }

  write(bytes: Uint8Array): boolean {
    return this.#response.write(bytes);
  }

  get bufferedBytes(): number {
    return this.#response.writableLength;
  }

  end(last?: Uint8Array): void {
    const response = this.#response;
    if (response.writableEnded || response.destroyed) return;
    if (last === undefined) response.end();
    else response.end(last);
  }

  destroy(): void {
    this.#response.destroy();
  }

  forget(): void {
    this.#response.off('drain', this.#drain);
    this.#response.off('close', this.#close);
    this.#response.off('error', this.#error);
  }
}
