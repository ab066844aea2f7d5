/**
 * Reading one response body into the parser, shared by `EventSource` and `connect()`: bounded memory
 * (the parser's `maxEventBytes`; past it the connection is dropped), and every failure turned into a
 * typed error.
 * @module
 */
import type { HotlineError } from '../errors.js';
import { createParser, type EventStreamParser, type ParserCallbacks, type ParserOptions } from '../protocol/index.js';
import { NetworkError } from './errors.js';

/**
 * True for `text/event-stream`, parameters allowed.
 * spec(§9.2.3): the connection fails unless the Content-Type is `text/event-stream` (MIME type essence).
 */
export function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === 'text/event-stream';
}

/**
 * [NON-SPEC] The parser of a client connection. At the first event or line past `maxEventBytes` it passes
 * on nothing more, and `feed` throws a {@link NetworkError} (`HOTLINE_CLIENT_EVENT_TOO_LARGE`) so that the
 * caller drops the connection and reconnects from the last event it did pass on. A callback that throws
 * is rethrown as is once the chunk is parsed, as the parser does without `onError`. `reset()` starts over.
 */
export function createClientParser(
  callbacks: Omit<ParserCallbacks, 'onError'>,
  { url, ...options }: ParserOptions & { readonly url?: string } = {},
): EventStreamParser {
  let tooLarge: HotlineError | undefined;
  let failure: { cause: unknown } | undefined;
  const { onEvent, onId, onComment, onRetry } = callbacks;
  const parser = createParser(
    {
      onEvent: (event) => {
        if (tooLarge === undefined) onEvent(event);
      },
      onId:
        onId &&
        ((id) => {
          if (tooLarge === undefined) onId(id);
        }),
      onComment:
        onComment &&
        ((text) => {
          if (tooLarge === undefined) onComment(text);
        }),
      onRetry:
        onRetry &&
        ((ms) => {
          if (tooLarge === undefined) onRetry(ms);
        }),
      onError: (error) => {
        if (error.code === 'HOTLINE_PARSE_EVENT_TOO_LARGE') tooLarge ??= error;
        else if (error.code === 'HOTLINE_CALLBACK_FAILED') failure ??= { cause: error.cause };
      },
    },
    options,
  );
  return {
    feed(chunk) {
      parser.feed(chunk);
      if (failure !== undefined) {
        const { cause } = failure;
        failure = undefined;
        throw cause;
      }
      if (tooLarge !== undefined) {
        throw new NetworkError(`dropped the connection: ${tooLarge.message}`, {
          code: 'HOTLINE_CLIENT_EVENT_TOO_LARGE',
          cause: tooLarge,
          url,
        });
      }
    },
    reset(resetOptions) {
      tooLarge = undefined;
      failure = undefined;
      parser.reset(resetOptions);
    },
    get lastEventId() {
      return parser.lastEventId;
    },
  };
}

export interface ReadOptions {
  /** Called for every chunk that arrives (a liveness watchdog). */
  readonly onChunk?: () => void;
  /** The stream's URL, named by the error when the connection drops. */
  readonly url?: string;
}

/**
 * Feeds `body` to `parser` until it ends; rejects with a {@link NetworkError} when it fails, or with what
 * `feed` throws (an event past the bound, a callback's error). The body is cancelled either way.
 */
export function pumpBody(
  body: ReadableStream<Uint8Array>,
  parser: EventStreamParser,
  options: ReadOptions = {},
): Promise<void> {
  return pumpReader(body.getReader(), parser, options);
}

/** {@link pumpBody} for a stream whose reader was taken earlier (`EventSource.fromReadableStream`). */
export async function pumpReader(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  parser: EventStreamParser,
  options: ReadOptions = {},
): Promise<void> {
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        throw new NetworkError('the connection dropped mid-stream', { cause, url: options.url });
      }
      if (chunk.done) return;
      parser.feed(chunk.value);
      // After feeding: the chunk may have announced the heartbeat period the watchdog follows.
      options.onChunk?.();
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
