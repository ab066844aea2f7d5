/**
 * Compressed streams that still deliver every event at once. Compression middleware buffers a stream
 * until its window fills, which is why SSE libraries tell users to turn it off; here every coalesced write
 * is compressed and flushed (`Z_SYNC_FLUSH` / `BROTLI_OPERATION_FLUSH`) on the spot, so each turn's events
 * leave immediately, still compressed against what was sent before on that stream.
 *
 * Compression runs synchronously on the calling thread (zlib-sync.ts), and gzip streams fed the same
 * frames share one compressor (shared-gzip.ts): a frame published to 200 subscribers is compressed about
 * once, not 200 times. Measured with `npm run bench:compression` (200 subscribers, a JSON ticker at
 * 50/s): gzip sends 47 % of the bytes for the same hub CPU per delivery as no compression, and adds
 * 0.7 ms at the p50 (the decoding clients run on the same two cores). Brotli cannot share (one encoder's
 * output cannot continue another's), so it costs a compressor per stream; gzip is preferred.
 * @module
 */
import { type BrotliCompress, constants, createBrotliCompress } from 'node:zlib';
import { SharedGzipStream } from './shared-gzip.js';
import { UNUSED_CHUNK_SIZE, usable, zlibWriteSync } from './zlib-sync.js';

export type StreamEncoding = 'br' | 'gzip';

/** How streams are compressed; `true` takes every default. */
export interface CompressionOptions {
  /**
   * Encodings offered, in order of preference. gzip comes first: for small events flushed one by one it
   * is both smaller and about twice as cheap as brotli. @defaultValue ['gzip', 'br']
   */
  encodings?: StreamEncoding[];
  /**
   * Compressed streams at most, process-wide; past this many, new streams are sent uncompressed. A brotli
   * stream holds a compressor of its own; gzip streams share theirs with every stream sent the same frames,
   * but one that is sent frames nobody else gets keeps one to itself (see {@link COMPRESSION_DEFAULTS}).
   * @defaultValue 10000
   */
  maxStreams?: number;
  /** Brotli quality (0–11); each step above 3 costs much more CPU per flushed event for few bytes. @defaultValue 3 */
  brotliQuality?: number;
  /** Brotli window, log2 bytes (10–24). @defaultValue 16 */
  brotliWindowBits?: number;
  /** gzip level (1–9); level 1 costs half the CPU of 6 per flushed event for 3 % more bytes. @defaultValue 1 */
  gzipLevel?: number;
  /**
   * gzip window, log2 bytes (9–15); a compressor holds about 2^(bits+2) + 2^16 bytes, shared by every
   * stream sent the same frames. @defaultValue 12
   */
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

/** zlib's hash table at 2^(7+9) bytes: a quarter of the default, for the short matches of small events. */
const GZIP_MEM_LEVEL = 7;

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
  /** Compresses `frames` and flushes, synchronously: the result decodes to exactly their bytes, now. */
  compress(frames: readonly Uint8Array[]): Uint8Array;
  /** The bytes that end the compressed stream; frees the compressor. */
  finish(): Uint8Array;
  /** Frees the compressor and its slot without ending the stream (the connection is gone); idempotent. */
  release(): void;
}

/** A brotli stream keeps its own compressor: brotli cannot splice one encoder's output onto another's. */
function openBrotli(o: Required<CompressionOptions>) {
  const zlib: BrotliCompress = createBrotliCompress({
    chunkSize: UNUSED_CHUNK_SIZE,
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: o.brotliQuality,
      [constants.BROTLI_PARAM_LGWIN]: o.brotliWindowBits,
    },
  });
  if (!usable(zlib)) {
    zlib.close();
    return undefined;
  }
  // A failure is thrown by zlibWriteSync() where it happens; the event that follows has nothing to add.
  zlib.on('error', () => {});
  return {
    compress: (frames: readonly Uint8Array[]) =>
      zlibWriteSync(zlib, frames.length === 1 ? frames[0]! : Buffer.concat(frames), constants.BROTLI_OPERATION_FLUSH),
    finish: () => zlibWriteSync(zlib, Buffer.alloc(0), constants.BROTLI_OPERATION_FINISH),
    release: () => zlib.close(),
  };
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
  const stream =
    encoding === 'br'
      ? openBrotli(o)
      : SharedGzipStream.open({ level: o.gzipLevel, windowBits: o.gzipWindowBits, memLevel: GZIP_MEM_LEVEL });
  if (stream === undefined) return undefined;
  compressedStreams++;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    compressedStreams--;
    stream.release();
  };
  return {
    encoding,
    compress: (frames) => stream.compress(frames),
    finish() {
      const last = released ? Buffer.alloc(0) : stream.finish();
      release();
      return last;
    },
    release,
  };
}

/**
 * What an adapter needs for one response: the compressor for the client's `Accept-Encoding` (none when
 * compression is off, not accepted, or capped) and the headers that say what was chosen.
 */
export function negotiateCompression(
  acceptEncoding: string | null | undefined,
  option: boolean | CompressionOptions | undefined,
): { compressor: StreamCompressor | undefined; headers: Record<string, string> } {
  const options = option === true ? {} : option || undefined;
  if (options === undefined) return { compressor: undefined, headers: {} };
  const encoding = negotiateEncoding(acceptEncoding ?? undefined, options.encodings ?? COMPRESSION_DEFAULTS.encodings);
  const compressor = encoding === undefined ? undefined : createStreamCompressor(encoding, options);
  // Vary either way: a cache must not hand this response to a client that accepts another encoding.
  const headers: Record<string, string> = { Vary: 'Accept-Encoding' };
  if (compressor !== undefined) headers['Content-Encoding'] = compressor.encoding;
  return { compressor, headers };
}

/** Compressed streams open now, process-wide. */
export function compressedStreamCount(): number {
  return compressedStreams;
}
