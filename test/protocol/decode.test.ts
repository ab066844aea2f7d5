import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createUtf8StreamDecoder } from '../../src/protocol/decode.js';

function decodeInChunks(bytes: Uint8Array, cuts: number[]): string {
  const decoder = createUtf8StreamDecoder();
  const points = [...new Set(cuts)].filter((c) => c <= bytes.length).sort((a, b) => a - b);
  let text = '';
  let last = 0;
  for (const p of points) {
    text += decoder.decode(bytes.subarray(last, p));
    last = p;
  }
  return text + decoder.decode(bytes.subarray(last)) + decoder.flush();
}

const oneShot = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

describe('the streaming UTF-8 decoder', () => {
  test('decodes any bytes, cut anywhere, exactly as a one-shot decode does', () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
      fc
        .array(
          fc.constantFrom(
            0xe2,
            0x98,
            0x83,
            0xf0,
            0x9d,
            0x84,
            0x9e,
            0xc3,
            0xa9,
            0x80,
            0xbf,
            0xed,
            0xa0,
            0x41,
            0xef,
            0xbb,
          ),
          { maxLength: 40 },
        )
        .map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(bytesArb, fc.array(fc.nat({ max: 64 }), { maxLength: 12 }), (bytes, cuts) => {
        assert.equal(decodeInChunks(bytes, cuts), oneShot(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  test('one byte at a time decodes a four-byte character once it is complete', () => {
    const decoder = createUtf8StreamDecoder();
    const parts = [...new TextEncoder().encode('a𝄞b')].map((b) => decoder.decode(Uint8Array.of(b)));
    assert.deepEqual(parts, ['a', '', '', '', '𝄞', 'b']);
  });

  test('flush turns a held incomplete character into U+FFFD', () => {
    const decoder = createUtf8StreamDecoder();
    assert.equal(decoder.decode(Uint8Array.of(0x61, 0xe2, 0x98)), 'a');
    assert.equal(decoder.flush(), '\uFFFD');
    assert.equal(decoder.flush(), '');
  });

  test('the byte order mark is kept for the parser to remove', () => {
    assert.equal(createUtf8StreamDecoder().decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)), '\uFEFFa');
  });

  test('a stream that turns from ASCII to other text and back, cut inside characters, decodes exactly', () => {
    // Long chunks, so that each goes to a TextDecoder (short ASCII ones are built without one): the
    // decoder changes between its one-shot and streaming calls with a character held back across each change.
    const ascii = 'plain ASCII text, long enough to be decoded by a TextDecoder call; '.repeat(2);
    const text = `${ascii}Zürich — 東京 📈 ${ascii}${ascii}Москва ⚡${ascii}é`;
    const bytes = new TextEncoder().encode(text);
    for (let step = 1; step <= 300; step += 7) {
      const cuts = Array.from({ length: Math.ceil(bytes.length / step) }, (_, i) => i * step);
      assert.equal(decodeInChunks(bytes, cuts), text, `chunks of ${step} bytes`);
    }
    const decoder = createUtf8StreamDecoder();
    assert.equal(decoder.decode(new TextEncoder().encode(`${ascii}é`).subarray(0, -1)), ascii);
    assert.equal(decoder.flush(), '\uFFFD');
  });
});
