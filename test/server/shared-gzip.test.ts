import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { SharedGzipStream, sharedGzipStats } from '../../src/server/shared-gzip.js';
import { zlibWriteSync } from '../../src/server/zlib-sync.js';

const SETTINGS = { level: 1, windowBits: 12, memLevel: 7 };

/** A stream under test with a browser-like decoder that must decode every write on its own, at once. */
function openStream() {
  const stream = SharedGzipStream.open(SETTINGS);
  assert.ok(stream, 'this runtime can compress synchronously');
  const decoder = createGunzip();
  const wire: Buffer[] = [];
  const sent: Buffer[] = [];
  return {
    write(frames: Uint8Array[]) {
      const out = stream.compress(frames);
      wire.push(out);
      const expected = Buffer.concat(frames);
      sent.push(expected);
      assert.deepEqual(zlibWriteSync(decoder, out, constants.Z_SYNC_FLUSH), expected, 'decodes at once');
    },
    /** Ends the stream and checks the whole of it with a strict decoder (CRC and length included). */
    finish() {
      wire.push(stream.finish());
      decoder.close();
      assert.deepEqual(gunzipSync(Buffer.concat(wire)), Buffer.concat(sent));
      return Buffer.concat(wire).byteLength;
    },
    release: () => stream.release(),
  };
}

const frame = (text: string) => Buffer.from(`data: ${text}\n\n`);

describe('gzip streams that share compressors', () => {
  test('streams fed the same frames share one compression per frame, and each decodes exactly', () => {
    const before = sharedGzipStats();
    const streams = Array.from({ length: 200 }, (_, i) => {
      const s = openStream();
      s.write([frame(`hello ${i}`)]);
      return s;
    });
    // A stream's own first bytes go out as stored blocks: connecting costs no compressor.
    assert.equal(sharedGzipStats().chains, before.chains);
    for (let i = 0; i < 100; i++) {
      const shared = frame(JSON.stringify({ symbol: 'ACME', price: 100 + i / 7, volume: 1000 + i }));
      for (const s of streams) s.write([shared]);
    }
    const after = sharedGzipStats();
    // The first stream to write a frame starts a chain, and the 199 others take its output.
    assert.ok(after.chains - before.chains <= 2, `${after.chains - before.chains} compressors for 200 streams`);
    const compressed = after.compressed - before.compressed;
    assert.ok(compressed <= 2 * 100, `${compressed} compressions for 200 × 100 shared frames`);
    assert.ok(after.shared - before.shared >= 199 * 99, 'the rest were shared');
    const sizes = streams.map((s) => s.finish());
    // Sharing keeps the history: 100 ticker frames of ~75 bytes compress to well under half.
    assert.ok(Math.max(...sizes) < 100 * 75 * 0.5, `largest stream ${Math.max(...sizes)} bytes`);
    assert.equal(sharedGzipStats().chains, before.chains, 'every compressor is given back');
  });

  test('a stream that gets an extra frame leaves its group and meets it again', () => {
    const streams = Array.from({ length: 10 }, () => openStream());
    const first = frame('first');
    for (const s of streams) s.write([first]);
    // Streams 0–4 also get a private frame: they diverge from 5–9.
    for (let i = 0; i < 5; i++) streams[i]!.write([frame(`private ${i}`)]);
    const before = sharedGzipStats();
    const next = frame('next');
    for (const s of streams) s.write([next]);
    const nextAgain = frame('next again');
    for (const s of streams) s.write([nextAgain]);
    assert.ok(sharedGzipStats().compressed - before.compressed <= 6, 'the divergent streams regrouped');
    for (const s of streams) s.finish();
  });

  test('a frame buffer reused with new contents is compressed again, not mistaken for the old one', () => {
    const a = openStream();
    const b = openStream();
    const buffer = Buffer.from('data: one\n\n');
    a.write([buffer]);
    b.write([buffer]);
    buffer.write('data: two\n\n');
    a.write([buffer]);
    b.write([buffer]);
    a.finish();
    b.finish();
  });

  test('property: any interleaving of shared, private, reused and batched frames decodes exactly on every stream', () => {
    const op = fc.record({
      stream: fc.nat({ max: 7 }),
      frames: fc.array(fc.oneof(fc.nat({ max: 4 }), fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 4 }),
      mutate: fc.boolean(),
      reopen: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
        const pool = Array.from({ length: 5 }, (_, i) => frame(`shared ${i} ${'x'.repeat(i * 30)}`));
        const streams = Array.from({ length: 8 }, () => openStream());
        for (const { stream, frames, mutate, reopen } of ops) {
          if (reopen) {
            streams[stream]!.finish();
            streams[stream] = openStream();
          }
          streams[stream]!.write(frames.map((f) => (typeof f === 'number' ? pool[f]! : frame(f))));
          // A writer that reuses its buffers: same object, new contents.
          if (mutate) pool[stream % pool.length]!.write(String(stream % 10), 6);
        }
        for (const s of streams) s.finish();
      }),
      { numRuns: 200 },
    );
  });

  test('release() without finish() frees the compressor; the stream stays usable by nobody', () => {
    const before = sharedGzipStats().chains;
    const s = openStream();
    s.write([frame('x')]);
    s.release();
    assert.equal(sharedGzipStats().chains, before);
  });
});
