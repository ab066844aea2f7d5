/**
 * [NON-SPEC] maxEventBytes against the reference model: streams in which some events (and comments) are
 * past the bound, cut into chunks anywhere. Every event within the bound arrives exactly as the naive
 * reference parser gives it, and every event or comment past it costs exactly one error.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseChunks } from '../fixtures/collect.js';
import { rechunk } from '../fixtures/rechunk.js';
import { referenceParse } from '../fixtures/reference-parser.js';

interface Line {
  kind: 'data' | 'event' | 'id' | 'comment' | 'retry';
  value: string;
  space: boolean;
}

const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s).length;

/** 1, 2, 3 and 4 UTF-8 bytes, and the two characters that matter after a field name. */
const char = fc.constantFrom('a', 'é', '€', '𝄞', ' ', ':');
const text = (maxLength: number) => fc.array(char, { maxLength }).map((cs) => cs.join(''));

const line: fc.Arbitrary<Line> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('data' as const), value: text(24), space: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('event' as const), value: text(24), space: fc.boolean() }) },
  // Ids stay within the smallest bound below: an over-long id line cannot set the id, where the spec would.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('id' as const), value: text(2), space: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('comment' as const), value: text(24), space: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('retry' as const), value: fc.nat(9999).map(String), space: fc.boolean() }),
  },
);

/** An event: some lines, at least one of them data (so the reference dispatches it), and one kind of line end. */
const block = fc.record({
  lines: fc.array(line, { maxLength: 6 }),
  data: fc.record({ kind: fc.constant('data' as const), value: text(24), space: fc.boolean() }),
  eol: fc.constantFrom('\n', '\r', '\r\n'),
});

function render(l: Line): string {
  return `${l.kind === 'comment' ? '' : l.kind}:${l.space ? ' ' : ''}${l.value}`;
}

/** The value the spec reads from a rendered line: one space after the colon is removed. */
function specValue(l: Line): string {
  return l.space ? l.value : l.value.replace(/^ /, '');
}

/** What the parser should make of the blocks under `max`: which events are discarded, how many errors. */
function model(blocks: { lines: Line[] }[], max: number) {
  let idBytes = 0;
  let errors = 0;
  const discarded = blocks.map(({ lines }) => {
    let dataBytes = -1;
    let typeBytes = 0;
    let over = false;
    for (const l of lines) {
      const tooLong = bytes(render(l)) > max;
      if (l.kind === 'comment') {
        if (tooLong) errors++;
        continue;
      }
      if (tooLong) over = true;
      else if (l.kind === 'id') idBytes = bytes(specValue(l));
      else if (over || l.kind === 'retry') continue;
      else if (l.kind === 'data') dataBytes += 1 + bytes(specValue(l));
      else typeBytes = bytes(specValue(l));
      if (!over && Math.max(dataBytes, 0) + typeBytes + idBytes > max) over = true;
    }
    if (over) errors++;
    return over;
  });
  return { discarded, errors };
}

describe('[NON-SPEC] maxEventBytes agrees with the reference model', () => {
  test('in-limit events as the reference gives them, one error per oversize event or comment', () => {
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 16, max: 64 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.boolean(),
        (generated, max, cuts, asBytes) => {
          // The data line goes at a random-ish place: after the first generated line.
          const blocks = generated.map((b) => ({ ...b, lines: [...b.lines.slice(0, 1), b.data, ...b.lines.slice(1)] }));
          const stream = blocks.map((b) => b.lines.map((l) => render(l) + b.eol).join('') + b.eol).join('');
          const reference = referenceParse(stream);
          assert.equal(reference.events.length, blocks.length, 'one event per block');
          const { discarded, errors } = model(blocks, max);
          const chunks = asBytes ? rechunk(encoder.encode(stream), cuts) : rechunk(stream, cuts);
          const parsed = parseChunks(chunks, { maxEventBytes: max });
          assert.deepEqual(
            parsed.events,
            reference.events.filter((_, i) => !discarded[i]),
          );
          assert.equal(parsed.errors.length, errors);
          assert.ok(parsed.errors.every((e) => e.code === 'HOTLINE_PARSE_EVENT_TOO_LARGE'));
          assert.deepEqual(parsed.retries, reference.retries);
          const comments = blocks.flatMap((b) => b.lines.filter((l) => l.kind === 'comment'));
          assert.deepEqual(parsed.comments, comments.filter((l) => bytes(render(l)) <= max).map(specValue));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
