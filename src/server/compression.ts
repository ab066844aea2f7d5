/**
 * Compressed streams that still deliver every event at once. Compression middleware buffers a stream
 * until its window fills, which is why SSE libraries tell users to turn it off; here the compressor is
 * flushed after every coalesced write (`Z_SYNC_FLUSH` / `BROTLI_OPERATION_FLUSH`), so each turn's events
 * leave immediately, still compressed against everything sent before on that stream.
 * @module
 */
import { type BrotliCompress, constants, createBrotliCompress, createGzip, type Gzip } from 'node:zlib';

export type StreamEncoding = 'br' | 'gzip';

/** How streams are compressed; `true` takes every default. */
export interface CompressionOptions {
  /** Encodings offered, in order of preference. @defaultValue ['br', 'gzip'] */
  encodings?: StreamEncoding[];
  /**
   * Compressed streams at most, process-wide: each holds a compressor's window in memory (see
   * {@link COMPRESSION_DEFAULTS}), so past this many, new streams are sent uncompressed. @defaultValue 10000
   */
  maxStreams?: number;
  /** Brotli quality (0–11). @defaultValue 5 */
  brotliQuality?: number;
  /** Brotli window, log2 bytes (10–24). @defaultValue 16 */
  brotliWindowBits?: number;
  /** gzip level (1–9). @defaultValue 6 */
  gzipLevel?: number;
  /** gzip window, log2 bytes (9–15); with memLevel 7 a stream holds about 2^(bits+2) + 2^16 bytes. @defaultValue 12 */
  gzipWindowBits?: number;
}

/**
 * Small windows by default: an event stream repeats itself within a few KB (field names, JSON keys, the
 * previous values), and 10,000 subscribers with zlib's 256 KB default windows would pin 2.5 GB.
 */
export const COMPRESSION_DEFAULTS = Object.freeze({
  encodings: ['br', 'gzip'] as StreamEncoding[],
  maxStreams: 10_000,
  brotliQuality: 5,
  brotliWindowBits: 16,
  gzipLevel: 6,
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
  readonly stream: Gzip | BrotliCompress;
  /** Compresses `bytes` and flushes, so they leave now; false asks the caller to wait for `drain`. */
  write(bytes: Uint8Array): boolean;
  /** Frees the compressor's slot (call once, when the stream ends). */
  release(): void;
}

/** A compressor for one stream, or `undefined` when the process already holds `maxStreams` of them. */
export function createStreamCompressor(
  encoding: StreamEncoding,
  options: CompressionOptions = {},
): StreamCompressor | undefined {
  const o = { ...COMPRESSION_DEFAULTS, ...options };
  if (compressedStreams >= o.maxStreams) return undefined;
  compressedStreams++;
  const stream =
    encoding === 'br'
      ? createBrotliCompress({
          params: {
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_QUALITY]: o.brotliQuality,
            [constants.BROTLI_PARAM_LGWIN]: o.brotliWindowBits,
          },
        })
      : createGzip({ level: o.gzipLevel, windowBits: o.gzipWindowBits, memLevel: 7 });
  const flushKind = encoding === 'br' ? constants.BROTLI_OPERATION_FLUSH : constants.Z_SYNC_FLUSH;
  let released = false;
  return {
    encoding,
    stream,
    write(bytes) {
      const ok = stream.write(bytes);
      stream.flush(flushKind);
      return ok;
    },
    release() {
      if (released) return;
      released = true;
      compressedStreams--;
    },
  };
}

/** Compressed streams open now, process-wide. */
export function compressedStreamCount(): number {
  return compressedStreams;
}
