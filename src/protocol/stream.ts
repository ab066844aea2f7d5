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
 */
export class EventStreamParserStream extends TransformStream<string | Uint8Array, ParsedEvent> {
  constructor(callbacks: StreamParserCallbacks = {}, options: ParserOptions = {}) {
    let feed: (chunk: string | Uint8Array) => void = () => {};
    super({
      start(controller) {
        const parser = createParser({ ...callbacks, onEvent: (event) => controller.enqueue(event) }, options);
        feed = parser.feed;
      },
      transform(chunk) {
        feed(chunk);
      },
    });
  }
}

/**
 * Iterates the events of a byte or text stream; breaking out of the loop cancels the stream.
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
