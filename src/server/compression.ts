/**
 * Compressed streams that still deliver every event at once. Compression middleware buffers a stream
 * until its window fills, which is why SSE libraries tell users to turn it off; here every coalesced write
 * is compressed and flushed (`Z_SYNC_FLUSH` / `BROTLI_OPERATION_FLUSH`) on the spot, so each turn's events
 * leave immediately, still compressed against everything sent before on that stream.
 *
 * The compression runs synchronously on the calling thread. Node's zlib streams run each `write()` and
 * each `flush()` on the libuv thread pool (4 threads): with one compressor per subscriber that is two
 * pool round trips per subscriber per event: at 200 subscribers × 50 events/s that queue put the gzip
 * p50 at 9.5 ms (2.8 ms uncompressed) and cost 39 µs of hub CPU per delivery. Compressing an event with a
 * sync flush costs 2–5 µs of gzip when the compressor is warm in the CPU caches, ~9 µs when it is cold (the
 * next event, 20 ms later), so doing it inline is both cheaper and immediate: p50 5.2 ms, 20 µs per delivery
 * (`npm run bench:compression`; the README explains the rest of the gap).
 * @module
 */
import type { Transform } from 'node:stream';
import { type BrotliCompress, constants, createBrotliCompress, createGzip, type Gzip } from 'node:zlib';

export type StreamEncoding = 'br' | 'gzip';

/** How streams are compressed; `true` takes every default. */
export interface CompressionOptions {
  /**
   * Encodings offered, in order of preference. gzip comes first: for small events flushed one by one it
   * is both smaller and about twice as cheap as brotli. @defaultValue ['gzip', 'br']
   */
  encodings?: StreamEncoding[];
  /**
   * Compressed streams at most, process-wide: each holds a compressor's window in memory (see
   * {@link COMPRESSION_DEFAULTS}), so past this many, new streams are sent uncompressed. @defaultValue 10000
   */
  maxStreams?: number;
  /** Brotli quality (0–11); each step above 3 costs much more CPU per flushed event for few bytes. @defaultValue 3 */
  brotliQuality?: number;
  /** Brotli window, log2 bytes (10–24). @defaultValue 16 */
  brotliWindowBits?: number;
  /** gzip level (1–9); level 1 costs half the CPU of 6 per flushed event for 3 % more bytes. @defaultValue 1 */
  gzipLevel?: number;
  /** gzip window, log2 bytes (9–15); with memLevel 7 a stream holds about 2^(bits+2) + 2^16 bytes. @defaultValue 12 */
  gzipWindowBits?: number;
}

/**
 * Small windows by default: an event stream repeats itself within a few KB (field names, JSON keys, the
 * previous values), and 10,000 subscribers with zlib's 256 KB default windows would pin 2.5 GB.
 */
export const COMPRESSION_DEFAULTS = Object.freeze({
  encodings: ['gzip', 'br'] as StreamEncoding[],
  maxStreams: 10_000,
  brotliQuality: 3,
  brotliWindowBits: 16,
  gzipLevel: 1,
  gzipWindowBits: 12,
});

let compressedStreams = 0;

/** The encoding to use for this `Accept-Encoding`, or `undefined` (a q=0 refuses an encoding). */
export function negotiateEncoding(
  acceptEncoding: string | undefined,
  offered: readonly StreamEncoding[],
): StreamEncoding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name!.trim(), q === undefined ? 1 : Number(q.slice(2)));
  }
  const wildcard = accepted.get('*');
  for (const encoding of offered) {
    const q = accepted.get(encoding) ?? wildcard ?? 0;
    if (q > 0) return encoding;
  }
  return undefined;
}

export interface StreamCompressor {
  readonly encoding: StreamEncoding;
  /** Compresses `bytes` and flushes, synchronously: the result decodes to exactly `bytes`. */
  compress(bytes: Uint8Array): Uint8Array;
  /** The bytes that end the compressed stream; frees the compressor. */
  finish(): Uint8Array;
  /** Frees the compressor and its slot without ending the stream (the connection is gone); idempotent. */
  release(): void;
}

/**
 * The members of Node's zlib objects that `zlib.gzipSync()` and friends use to compress synchronously.
 * They are internal, but have kept this shape from Node 10 to today (and Bun copies them); the test
 * "a compressor works synchronously on this runtime" fails if a release changes them.
 */
interface ZlibInternals {
  _handle: {
    writeSync(
      flush: number,
      input: Uint8Array,
      inputOffset: number,
      inputLength: number,
      output: Uint8Array,
      outputOffset: number,
      outputLength: number,
    ): void;
  } | null;
  /** `[availOutAfter, availInAfter]` of the last `writeSync`. */
  _writeState: Uint32Array;
}

/** One output buffer for every compressor: compression is synchronous, and each result is copied out. */
const scratch = Buffer.allocUnsafe(64 * 1024);
/** The compressor objects' own output buffers are never used; zlib's minimum keeps them small. */
const UNUSED_CHUNK_SIZE = constants.Z_MIN_CHUNK;

/** What every Node zlib object (`createGzip()`, `createGunzip()`, `createBrotliCompress()`…) is. */
type ZlibBase = Transform & { close(): void };

function usable(zlib: ZlibBase): zlib is ZlibBase & ZlibInternals {
  const internals = zlib as unknown as Partial<ZlibInternals>;
  return typeof internals._handle?.writeSync === 'function' && internals._writeState instanceof Uint32Array;
}

/**
 * Runs `input` through a Node zlib object (compressor or decompressor) with `flush`, synchronously, until
 * zlib has nothing more to give, and keeps the object's state for the next call — unlike its own
 * `_processChunk()`, which closes it after one call. Throws if this runtime's zlib lacks the internals.
 */
export function zlibWriteSync(zlib: ZlibBase, input: Uint8Array, flush: number): Buffer {
  if (!usable(zlib)) throw new Error('this runtime cannot run zlib synchronously');
  const handle = zlib._handle;
  if (handle === null) throw new Error('the zlib object is closed');
  const parts: Buffer[] = [];
  let inputOffset = 0;
  let inputLeft = input.byteLength;
  for (;;) {
    handle.writeSync(flush, input, inputOffset, inputLeft, scratch, 0, scratch.byteLength);
    // A zlib failure (out of memory) destroys the object from inside writeSync.
    if (zlib.destroyed) throw new Error('zlib failed');
    const outputLeft = zlib._writeState[0]!;
    const inputLeftAfter = zlib._writeState[1]!;
    const produced = scratch.byteLength - outputLeft;
    if (produced > 0) parts.push(Buffer.from(scratch.subarray(0, produced)));
    // zlib filled the whole buffer: there is more output (and maybe input) to come.
    if (outputLeft !== 0) break;
    inputOffset += inputLeft - inputLeftAfter;
    inputLeft = inputLeftAfter;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function createZlib(encoding: StreamEncoding, o: Required<CompressionOptions>): Gzip | BrotliCompress {
  if (encoding === 'br') {
    return createBrotliCompress({
      chunkSize: UNUSED_CHUNK_SIZE,
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: o.brotliQuality,
        [constants.BROTLI_PARAM_LGWIN]: o.brotliWindowBits,
      },
    });
  }
  return createGzip({ chunkSize: UNUSED_CHUNK_SIZE, level: o.gzipLevel, windowBits: o.gzipWindowBits, memLevel: 7 });
}

/**
 * A compressor for one stream, or `undefined` when the process already holds `maxStreams` of them (or,
 * should a Node release change its zlib internals, when this runtime cannot compress synchronously).
 */
export function createStreamCompressor(
  encoding: StreamEncoding,
  options: CompressionOptions = {},
): StreamCompressor | undefined {
  const o = { ...COMPRESSION_DEFAULTS, ...options };
  if (compressedStreams >= o.maxStreams) return undefined;
  const zlib = createZlib(encoding, o);
  if (!usable(zlib)) {
    zlib.close();
    return undefined;
  }
  // A failure is thrown by zlibWriteSync() where it happens; the event that follows has nothing to add.
  zlib.on('error', () => {});
  compressedStreams++;
  const [flushKind, finishKind] =
    encoding === 'br'
      ? [constants.BROTLI_OPERATION_FLUSH, constants.BROTLI_OPERATION_FINISH]
      : [constants.Z_SYNC_FLUSH, constants.Z_FINISH];
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    compressedStreams--;
    zlib.close();
  };
  return {
    encoding,
    compress: (bytes) => zlibWriteSync(zlib, bytes, flushKind),
    finish() {
      const last = released ? Buffer.alloc(0) : zlibWriteSync(zlib, Buffer.alloc(0), finishKind);
      release();
      return last;
    },
    release,
  };
}

/** Compressed streams open now, process-wide. */
export function compressedStreamCount(): number {
  return compressedStreams;
}
