/**
 * Web-standard runtimes (Hono, Bun, Deno, workers): `sseResponse(request, options)` returns a `Response`
 * whose body is the event stream. Backpressure follows the stream's queue: when it is full, the session
 * waits for the consumer to pull.
 * @module
 */

import type { EventSchemas } from '../../protocol/index.js';
import { concatBytes } from '../bytes.js';
import { negotiateCompression } from '../compression.js';
import { SESSION_DEFAULTS } from '../defaults.js';
import { eventStreamHeaders } from '../headers.js';
import { readLastEventId } from '../last-event-id.js';
import { SseSession } from '../session.js';
import type { Session, SessionOptions, Sink, TypedSession } from '../types.js';

/** Options of {@link sseResponse}. */
export interface SseResponseOptions extends SessionOptions {
  /** Called once with the session, before the response is returned. */
  onSession(session: Session): void;
  /** HTTP version the runtime serves the response with; `Connection` is sent below 2. @defaultValue 1 */
  httpVersionMajor?: number;
}

/** How many bytes the body stream may hold before the session waits for the consumer. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** {@link SseResponseOptions} with `schemas`: the session handed to `onSession` is typed by them. */
export interface TypedSseResponseOptions<S extends EventSchemas> extends Omit<SseResponseOptions, 'onSession'> {
  schemas: S;
  onSession(session: TypedSession<S>): void;
}

export function sseResponse<S extends EventSchemas>(request: Request, options: TypedSseResponseOptions<S>): Response;
export function sseResponse(request: Request, options: SseResponseOptions): Response;
export function sseResponse(request: Request, options: SseResponseOptions): Response {
  let session: SseSession | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        session?.drained();
      },
      cancel() {
        ended = true;
        compressor?.release();
        session?.disconnected('client');
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: STREAM_HIGH_WATER_MARK }),
  );
  const { compressor, headers: encodingHeaders } = negotiateCompression(
    request.headers.get('accept-encoding'),
    options.compression,
  );
  const enqueue = (frames: readonly Uint8Array[]) => {
    if (ended) return true;
    if (compressor === undefined) {
      controller.enqueue(frames.length === 1 ? frames[0]! : concatBytes(frames));
    } else {
      try {
        controller.enqueue(compressor.compress(frames));
      } catch (error) {
        // The stream cannot go on; the session ends with reason 'error' once this write returns.
        ended = true;
        compressor.release();
        controller.error(error);
        queueMicrotask(() => session?.disconnected('error'));
        return true;
      }
    }
    return (controller.desiredSize ?? 0) > 0;
  };
  const sink: Sink = {
    write: (bytes) => enqueue([bytes]),
    writeFrames: enqueue,
    get bufferedBytes() {
      return ended ? 0 : Math.max(0, STREAM_HIGH_WATER_MARK - (controller.desiredSize ?? 0));
    },
    end() {
      if (ended) return;
      ended = true;
      if (compressor !== undefined) controller.enqueue(compressor.finish());
      controller.close();
    },
    abort() {
      compressor?.release();
      if (ended) return;
      ended = true;
      controller.error(new Error('the reader was too slow; the stream was dropped'));
    },
  };
  session = new SseSession(
    sink,
    readLastEventId(request.headers.get('last-event-id'), new URL(request.url).searchParams),
    options,
  );
  const opened = session;
  request.signal?.addEventListener('abort', () => opened.disconnected('client'), { once: true });
  options.onSession(opened);
  return new Response(body, {
    status: options.status ?? SESSION_DEFAULTS.status,
    headers: { ...eventStreamHeaders(options.httpVersionMajor ?? 1, options.headers), ...encodingHeaders },
  });
}
