/**
 * The parser over Web streams: a `TransformStream` from bytes or text to events, and an async iterator
 * over a response body. Works wherever Web streams exist (Node ≥ 18, browsers, Deno, Bun).
 * @module
 */
import { createParser } from './parse.js';
import type { ParsedEvent, ParserCallbacks, ParserOptions } from './types.js';

/** Callbacks of the stream helpers: those of {@link createParser} but `onEvent`, which the stream owns. */
export type StreamParserCallbacks = Omit<ParserCallbacks, 'onEvent'>;

/**
 * A `TransformStream` that turns an event stream into {@link ParsedEvent}s, e.g.
 * `response.body.pipeThrough(new EventStreamParserStream())`.
 *
 * [NON-SPEC] An event or line past `maxEventBytes` (1 MiB by default) ends the stream with the parser's
 * `HOTLINE_PARSE_EVENT_TOO_LARGE` error, after `onError` saw it, as a client drops such a connection: no
 * later event of that chunk is passed on, so a caller can resume after the last event it got. A
 * callback that throws (without `onError`) errors the stream with its own error.
 */
export class EventStreamParserStream extends TransformStream<string | Uint8Array, ParsedEvent> {
  constructor(callbacks: StreamParserCallbacks = {}, options: ParserOptions = {}) {
    let sink: TransformStreamDefaultController<ParsedEvent> | undefined;
    let failed = false;
    let failure: unknown;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      failure = error;
    };
    // Made here, not in start(), so that an invalid option throws from the constructor.
    const parser = createParser(
      {
        ...callbacks,
        onEvent: (event) => {
          if (!failed) sink?.enqueue(event);
        },
        onError: (error) => {
          if (error.code === 'HOTLINE_PARSE_EVENT_TOO_LARGE') fail(error);
          if (callbacks.onError !== undefined) callbacks.onError(error);
          else if (error.code === 'HOTLINE_CALLBACK_FAILED') fail(error.cause);
        },
      },
      options,
    );
    super({
      start(controller) {
        sink = controller;
      },
      transform(chunk) {
        parser.feed(chunk);
        // Throwing here errors both sides: the source is cancelled, the reader sees the error.
        if (failed) throw failure;
      },
    });
  }
}

/**
 * Iterates the events of a byte or text stream; breaking out of the loop cancels the stream. [NON-SPEC] An
 * event past `maxEventBytes` throws its `HOTLINE_PARSE_EVENT_TOO_LARGE` error from the loop and cancels
 * the stream (see {@link EventStreamParserStream}).
 *
 * ```ts
 * for await (const event of iterateEvents(response.body)) console.log(event.type, event.data)
 * ```
 */
export async function* iterateEvents(
  stream: ReadableStream<string | Uint8Array>,
  callbacks: StreamParserCallbacks = {},
  options: ParserOptions = {},
): AsyncGenerator<ParsedEvent, void, undefined> {
  const reader = stream.pipeThrough(new EventStreamParserStream(callbacks, options)).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Cancelling (rather than just releasing) tells the source, e.g. an HTTP body, to stop reading.
    await reader.cancel().catch(() => {});
  }
}
