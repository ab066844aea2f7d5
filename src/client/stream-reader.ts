/**
 * Reading one response body into the parser, shared by `EventSource` and `connect()`: bounded memory
 * (an event may not grow past `maxEventBytes`), and every failure turned into a typed error.
 * @module
 */
import type { EventStreamParser } from '../protocol/index.js';
import { NetworkError } from './errors.js';

/** Default cap on the bytes of one event (including its partial last line). */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * True for `text/event-stream`, parameters allowed.
 * spec(§9.2.3): the connection fails unless the Content-Type is `text/event-stream` (MIME type essence).
 */
export function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === 'text/event-stream';
}

export interface ReadOptions {
  readonly maxEventBytes: number;
  /** Called when the parser dispatched an event or a comment: the byte budget starts again. */
  readonly progress: { bytesSinceEvent: number };
  /** Called for every chunk that arrives (a liveness watchdog). */
  readonly onChunk?: () => void;
}

/** Feeds `body` to `parser` until it ends; rejects with a {@link NetworkError} when it fails or overflows. */
export async function pumpBody(
  body: ReadableStream<Uint8Array>,
  parser: EventStreamParser,
  options: ReadOptions,
): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        throw new NetworkError('the connection dropped mid-stream', { cause });
      }
      if (chunk.done) return;
      options.progress.bytesSinceEvent += chunk.value.byteLength;
      parser.feed(chunk.value);
      // After feeding: the chunk may have announced the heartbeat period the watchdog follows.
      options.onChunk?.();
      if (options.progress.bytesSinceEvent > options.maxEventBytes) {
        throw new NetworkError(`an event grew past ${options.maxEventBytes} bytes`, {
          code: 'HOTLINE_CLIENT_EVENT_TOO_LARGE',
        });
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * spec(§9.2.4): `Last-Event-ID` is sent UTF-8 encoded. Fetch takes header values as byte strings, so each
 * UTF-8 byte becomes one character.
 */
export function lastEventIdHeader(id: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(id)) out += String.fromCharCode(byte);
  return out;
}
