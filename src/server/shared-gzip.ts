/**
 * gzip streams that share their compressor. A hub sends the same frame to every subscriber of a topic;
 * with a compressor per subscriber it compresses that frame once per subscriber, and the subscribers
 * late in the fan-out wait for all those compressions (at 200 subscribers that added ~2 ms to the p50).
 * Deflate's output depends only on the bytes fed since the compressor's last reset, so every stream fed
 * the same bytes since the same reset can send the same compressed bytes. Here a stream writes a gzip
 * header and trailer of its own, and its body is raw deflate taken from a *chain*: a compressor plus
 * its last step (input and output). Streams on a chain that write what the chain just compressed take
 * its output, costing a memcmp; the first to write something new compresses it for the rest.
 *
 * A stream whose bytes differ from its chain's (an event others did not get) leaves it; its decoder
 * still holds the old chain's history, which nothing will refer to again, so any compressor that starts
 * afresh can continue the stream. Streams that left together meet again at the first compressor that
 * started afresh on the same frame (a *fresh step*: decodable without history). To merge the groups
 * that drift apart — subscribers that joined between two events — every chain restarts afresh once per
 * epoch, at its first frame, which the other chains writing the same frame then join: one event per
 * epoch per chain is compressed without history.
 *
 * Each step is flushed with `Z_SYNC_FLUSH`, so every frame leaves at once and ends on a byte boundary,
 * where another compressor's blocks may follow.
 * @module
 */
import { constants, crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import { UNUSED_CHUNK_SIZE, usable, zlibWriteSync } from './zlib-sync.js';

export interface DeflateSettings {
  readonly level: number;
  readonly windowBits: number;
  readonly memLevel: number;
}

/** How long chains may drift apart before they restart together. */
const EPOCH_MS = 2000;
/**
 * Idle compressors kept for reuse, per settings: a reset costs ~1 µs, while a new zlib object's first
 * write costs 0.4–0.7 ms of event loop in a busy hub (zlib allocates its state then).
 */
const POOL_SIZE = 32;
/**
 * A stream that is on no chain yet sends its first few small frames as stored (uncompressed) blocks rather
 * than start a compressor for them: a stream's first bytes (its heartbeat announcement) are its own, and
 * a compressor per connecting subscriber would cost more than the bytes it saves. Its first shared frame
 * then puts it on a chain with the others.
 */
const STORED_MAX = 64;
const STORED_BUDGET = 256;

/** ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown) — RFC 1952 §2.3. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty final block with fixed codes (BFINAL=1, BTYPE=01, end-of-block): ends the deflate data. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
const EMPTY = Buffer.alloc(0);

/** `frame` as stored deflate blocks (RFC 1951 §3.2.4): BFINAL=0, BTYPE=00, LEN, NLEN, the bytes. */
function storedBlock(frame: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < frame.byteLength; offset += 0xffff) {
    const length = Math.min(0xffff, frame.byteLength - offset);
    parts.push(Buffer.from([0, length & 0xff, length >> 8, ~length & 0xff, (~length >> 8) & 0xff]));
    parts.push(frame.subarray(offset, offset + length));
  }
  return Buffer.concat(parts);
}

const epochNow = () => Math.floor(performance.now() / EPOCH_MS);

/** Process-wide counts, for metrics and tests. */
const stats = { chains: 0, compressed: 0, shared: 0 };

/**
 * Compressors in use (chains), frames compressed, and frames sent by taking another stream's
 * compression — the ratio of the last two is what sharing saves.
 */
export function sharedGzipStats(): Readonly<typeof stats> {
  return { ...stats };
}

class DeflateChain {
  members = 0;
  /** Steps compressed so far: a member at `step - 1` whose next frame equals `input` takes `output`. */
  step = 0;
  input: Buffer = EMPTY;
  output: Buffer = EMPTY;
  /** The last step was compressed without history, so any stream may join the chain at it. */
  fresh = false;
  /** When the chain last restarted; it restarts at its first step of a later epoch. */
  epoch = -1;
  readonly #zlib: DeflateRaw;
  readonly #family: ChainFamily;

  constructor(zlib: DeflateRaw, family: ChainFamily) {
    this.#zlib = zlib;
    this.#family = family;
    stats.chains++;
  }

  advance(frame: Uint8Array, fresh: boolean): Buffer {
    if (fresh && this.step > 0) this.#zlib.reset();
    this.output = zlibWriteSync(this.#zlib, frame, constants.Z_SYNC_FLUSH);
    stats.compressed++;
    // A copy: the writer may reuse its buffer, and followers compare contents, not identity.
    this.input = Buffer.from(frame);
    this.step++;
    this.fresh = fresh;
    if (fresh) this.epoch = epochNow();
    this.#family.compressed(frame, this);
    return this.output;
  }

  leave(): void {
    if (--this.members > 0) return;
    stats.chains--;
    this.#family.recycle(this.#zlib);
    this.input = this.output = EMPTY;
  }
}

/** The chains of one compression setting: who started afresh on which frame, and idle compressors. */
class ChainFamily {
  readonly #settings: DeflateSettings;
  /** Frame object → the chain that compressed it last (joinable while that was a fresh step and its last). */
  readonly #byFrame = new WeakMap<Uint8Array, DeflateChain>();
  readonly #idle: DeflateRaw[] = [];
  #supported: boolean | undefined;

  constructor(settings: DeflateSettings) {
    this.#settings = settings;
  }

  compressed(frame: Uint8Array, chain: DeflateChain): void {
    this.#byFrame.set(frame, chain);
  }

  /** Another chain compressed this frame object: other streams are being sent it too. */
  seenElsewhere(frame: Uint8Array, current: DeflateChain): boolean {
    const chain = this.#byFrame.get(frame);
    return chain !== undefined && chain !== current;
  }

  /** A chain other than `current` whose last step is a fresh compression of exactly `frame`. */
  joinable(frame: Uint8Array, current: DeflateChain | undefined): DeflateChain | undefined {
    const chain = this.#byFrame.get(frame);
    if (chain === undefined || chain === current || !chain.fresh || chain.members === 0) return undefined;
    return chain.input.equals(frame) ? chain : undefined;
  }

  /** Whether this runtime can run zlib synchronously (checked once, on a compressor then kept idle). */
  get supported(): boolean {
    if (this.#supported === undefined) {
      const zlib = this.#create();
      this.#supported = zlib !== undefined;
      if (zlib !== undefined) this.#idle.push(zlib);
    }
    return this.#supported;
  }

  /** A chain with a compressor that has no history. */
  open(): DeflateChain {
    const pooled = this.#idle.pop();
    if (pooled !== undefined) {
      pooled.reset();
      return new DeflateChain(pooled, this);
    }
    const zlib = this.#create();
    if (zlib === undefined) throw new Error('this runtime cannot run zlib synchronously');
    return new DeflateChain(zlib, this);
  }

  #create(): DeflateRaw | undefined {
    const zlib = createDeflateRaw({ chunkSize: UNUSED_CHUNK_SIZE, ...this.#settings });
    if (!usable(zlib)) {
      zlib.close();
      return undefined;
    }
    // A failure is thrown by zlibWriteSync() where it happens.
    zlib.on('error', () => {});
    return zlib;
  }

  recycle(zlib: DeflateRaw): void {
    if (this.#idle.length < POOL_SIZE && !zlib.destroyed) this.#idle.push(zlib);
    else zlib.close();
  }
}

const families = new Map<string, ChainFamily>();

function familyOf(settings: DeflateSettings): ChainFamily {
  const key = `${settings.level}/${settings.windowBits}/${settings.memLevel}`;
  let family = families.get(key);
  if (family === undefined) {
    family = new ChainFamily(settings);
    families.set(key, family);
  }
  return family;
}

/** One gzip stream: its own header, CRC and length; its deflate body from whichever chain it is on. */
export class SharedGzipStream {
  readonly #family: ChainFamily;
  /** None until the stream sends a frame worth compressing. */
  #chain: DeflateChain | undefined;
  /** Steps of `#chain` this stream has sent. */
  #step = 0;
  #crc = 0;
  /** Bytes sent as stored blocks before the stream was on a chain. */
  #stored = 0;
  #size = 0;
  #started = false;
  #released = false;

  private constructor(family: ChainFamily) {
    this.#family = family;
  }

  /** A stream, or `undefined` if this runtime cannot run zlib synchronously. */
  static open(settings: DeflateSettings): SharedGzipStream | undefined {
    const family = familyOf(settings);
    return family.supported ? new SharedGzipStream(family) : undefined;
  }

  /** Compresses `frames` in order, each flushed: the result decodes to exactly their bytes, now. */
  compress(frames: readonly Uint8Array[]): Buffer {
    if (this.#released) throw new Error('the compressed stream was released');
    // The common case, one frame to a stream already started, allocates nothing.
    if (this.#started && frames.length === 1) return this.#deflateAndCount(frames[0]!);
    const parts: Buffer[] = [];
    if (!this.#started) {
      parts.push(GZIP_HEADER);
      this.#started = true;
    }
    for (const frame of frames) parts.push(this.#deflateAndCount(frame));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  #deflateAndCount(frame: Uint8Array): Buffer {
    if (frame.byteLength === 0) return EMPTY;
    this.#crc = crc32(frame, this.#crc);
    this.#size = (this.#size + frame.byteLength) >>> 0;
    return this.#deflate(frame);
  }

  /** The bytes that end the stream: an empty final block and the gzip trailer (RFC 1952 §2.2). */
  finish(): Buffer {
    if (this.#released) return EMPTY;
    const trailer = Buffer.allocUnsafe(8);
    trailer.writeUInt32LE(this.#crc >>> 0, 0);
    trailer.writeUInt32LE(this.#size, 4);
    const parts = this.#started ? [FINAL_BLOCK, trailer] : [GZIP_HEADER, FINAL_BLOCK, trailer];
    this.release();
    return Buffer.concat(parts);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#chain?.leave();
    this.#chain = undefined;
  }

  #deflate(frame: Uint8Array): Buffer {
    const chain = this.#chain;
    // Another stream on this chain compressed this very frame a moment ago.
    if (chain !== undefined && chain.step === this.#step + 1 && chain.input.equals(frame)) {
      this.#step++;
      stats.shared++;
      return chain.output;
    }
    const joinable = this.#family.joinable(frame, chain);
    if (joinable !== undefined) {
      this.#switchTo(joinable);
      stats.shared++;
      return joinable.output;
    }
    // On no chain, the decoder's history is referred to by nobody: stored blocks may go in between.
    if (chain === undefined) {
      if (frame.byteLength > STORED_MAX || this.#stored + frame.byteLength > STORED_BUDGET)
        return this.#startFresh(frame);
      this.#stored += frame.byteLength;
      return storedBlock(frame);
    }
    if (chain.step === this.#step) {
      // The first of the chain's streams to write this frame: compress it for the others. A stream alone
      // on its chain, writing a frame other streams get too, restarts afresh so that those after it can
      // join; and every chain restarts once per epoch, so that groups merge.
      this.#step++;
      const fresh = chain.epoch !== epochNow() || (chain.members === 1 && this.#family.seenElsewhere(frame, chain));
      return chain.advance(frame, fresh);
    }
    // The chain went on with a frame this stream did not get: its history is no longer ours.
    if (chain.members === 1) {
      this.#step = chain.step + 1;
      return chain.advance(frame, true);
    }
    return this.#startFresh(frame);
  }

  #startFresh(frame: Uint8Array): Buffer {
    const fresh = this.#family.open();
    this.#switchTo(fresh);
    this.#step++;
    return fresh.advance(frame, true);
  }

  #switchTo(chain: DeflateChain): void {
    this.#chain?.leave();
    this.#chain = chain;
    chain.members++;
    this.#step = chain.step;
  }
}
