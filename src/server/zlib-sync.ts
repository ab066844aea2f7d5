/**
 * Running Node's zlib objects synchronously, on the calling thread. Their streams run each `write()` and
 * `flush()` on the libuv thread pool (4 threads); an event stream compresses a few hundred bytes per event
 * per subscriber, and two pool round trips for each cost far more than the compression itself.
 * @module
 */
import type { Transform } from 'node:stream';
import { constants } from 'node:zlib';

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
export const UNUSED_CHUNK_SIZE = constants.Z_MIN_CHUNK;

/** What every Node zlib object (`createGzip()`, `createGunzip()`, `createBrotliCompress()`…) is. */
export type ZlibBase = Transform & { close(): void };

export function usable(zlib: ZlibBase): zlib is ZlibBase & ZlibInternals {
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
