import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatEvent } from '../../src/protocol/encode.js';
import type { EventFields } from '../../src/protocol/types.js';
import { parseChunks } from '../fixtures/collect.js';
import { rechunk } from '../fixtures/rechunk.js';
import { referenceParse } from '../fixtures/reference-parser.js';

/** Arbitrary Unicode text in which line breaks of every kind are common. */
const textWithBreaks = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('\n', '\r', '\r\n', ' ', ':', '\0', '\uFEFF')), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

const lineSafe = fc.string({ unit: 'grapheme' }).filter((s) => !/[\r\n]/.test(s));
const idSafe = lineSafe.filter((s) => !s.includes('\0'));

const eventFields: fc.Arbitrary<EventFields & { data: string }> = fc.record(
  {
    data: textWithBreaks,
    event: fc.option(lineSafe, { nil: undefined }),
    id: fc.option(idSafe, { nil: undefined }),
    retry: fc.option(fc.nat(), { nil: undefined }),
    comment: fc.option(textWithBreaks, { nil: undefined }),
  },
  { requiredKeys: ['data'] },
);

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 });

function expected(events: (EventFields & { data: string })[]) {
  let lastEventId = '';
  return events.map((e) => {
    if (e.id !== undefined) lastEventId = e.id;
    return {
      type: e.event === undefined || e.event === '' ? 'message' : e.event,
      data: e.data.replace(/\r\n|\r/g, '\n'),
      lastEventId,
    };
  });
}

describe('round trip: parse(formatEvent(e)) === e', () => {
  test('for arbitrary events under arbitrary text re-chunking', () => {
    fc.assert(
      fc.property(fc.array(eventFields, { maxLength: 8 }), cutsArb, (events, cuts) => {
        const stream = events.map(formatEvent).join('');
        assert.deepEqual(parseChunks(rechunk(stream, cuts)).events, expected(events));
      }),
      { numRuns: 500 },
    );
  });

  test('for arbitrary events under arbitrary byte re-chunking', () => {
    fc.assert(
      fc.property(fc.array(eventFields, { maxLength: 8 }), cutsArb, (events, cuts) => {
        const bytes = new TextEncoder().encode(events.map(formatEvent).join(''));
        const parsed = parseChunks(rechunk(bytes, cuts));
        assert.deepEqual(parsed.events, expected(events));
        assert.deepEqual(
          parsed.retries,
          events.flatMap((e) => (e.retry === undefined ? [] : [e.retry])),
        );
      }),
      { numRuns: 500 },
    );
  });
});

/** Streams made of the pieces that matter to the grammar, mixed with arbitrary text. */
const streamArb = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('data', 'event', 'id', 'retry', ':', ': ', '\n', '\r', '\r\n', ' ') },
      { weight: 1, arbitrary: fc.constantFrom('\0', '\uFEFF', '1', '42', 'é', '𝄞', 'dat', 'x') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('the parser agrees with a naive model of the spec', () => {
  test('for arbitrary streams under arbitrary re-chunking', () => {
    fc.assert(
      fc.property(streamArb, cutsArb, (stream, cuts) => {
        const model = referenceParse(stream);
        const parsed = parseChunks(rechunk(stream, cuts));
        assert.deepEqual({ events: parsed.events, retries: parsed.retries, comments: parsed.comments }, model);
      }),
      { numRuns: 2000 },
    );
  });

  test('for arbitrary bytes, valid UTF-8 or not, under arbitrary re-chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), streamArb, cutsArb, (noise, stream, cuts) => {
        const encoded = new TextEncoder().encode(stream);
        const bytes = new Uint8Array(noise.length + encoded.length);
        bytes.set(encoded);
        bytes.set(noise, encoded.length);
        const model = referenceParse(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes));
        const parsed = parseChunks(rechunk(bytes, cuts));
        assert.deepEqual(parsed.events, model.events);
      }),
      { numRuns: 1000 },
    );
  });
});
