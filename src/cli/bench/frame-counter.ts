/**
 * Counts SSE frames in the raw bytes of one HTTP/1.1 response without a full parser: skips the header block
 * (checking the status line), undoes `Transfer-Encoding: chunked` framing, then counts blank lines that end
 * a frame holding a `data` field, and reads the publish stamp `"t":<ms>` from data lines. Comments
 * (`: heartbeat`) end frames without data and are not counted, so heartbeats never inflate delivery counts.
 * With `ids` it also reads each frame's `id` field (for Last-Event-ID on a reconnection) and the publish
 * sequence number `"s":<n>` from its first data line (to tell a replayed duplicate from a new frame).
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;
const STAMP = Buffer.from('"t":');
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;
/** Bytes kept of the start of an `id` or `data` line when ids are read: an id, or a payload's stamp and sequence. */
const LINE_HEAD_BYTES = 256;
// At most 7 digits: a bitset of 10 million bits bounds what one subscriber may hold for a hostile server.
const SEQUENCE = /"s":(\d{1,7})[,}]/;

/**
 * Called once per data frame: the publish stamp (epoch ms, fractional) when the frame carried one; with ids,
 * also the payload's sequence number and the frame's `id` field, when present.
 */
export type FrameListener = (stampMs: number | undefined, seq?: number, id?: string) => void;

/** What the counter saw in the header block. */
export interface ResponseHead {
  status: number;
  chunked: boolean;
}

/**
 * Per-connection state. `onHead` fires once with the status; `onFrame` once per data frame with the stamp
 * (epoch ms, fractional) when the frame carried one.
 */
export class FrameCounter {
  #head: ResponseHead | undefined;
  #headBytes: Buffer | undefined;
  // Chunked decoding: bytes left in the current chunk, or -1 while reading a chunk-size line.
  #chunkLeft = -1;
  #sizeLine = '';
  #skipCrlf = 0;
  // Line scanning state carried across reads.
  #lineLength = 0;
  #lineIsData = false;
  #prefix = '';
  #pendingCr = 0;
  #frameHasData = false;
  #stamp: number | undefined;
  // With ids: the start of the current line, and what the current frame's lines said.
  readonly #ids: boolean;
  #lineHead = '';
  #frameId: string | undefined;
  #frameSeq: number | undefined;
  readonly #onHead: (head: ResponseHead) => void;
  readonly #onFrame: FrameListener;

  constructor(onHead: (head: ResponseHead) => void, onFrame: FrameListener, options: { ids?: boolean } = {}) {
    this.#onHead = onHead;
    this.#onFrame = onFrame;
    this.#ids = options.ids === true;
  }

  /** The parsed head, once received. */
  get head(): ResponseHead | undefined {
    return this.#head;
  }

  /**
   * For a response whose head came another way (an HTTP/2 `response` event): `status`, then only body
   * bytes are fed.
   */
  bodyOnly(status: number): void {
    this.#head = { status, chunked: false };
    this.#onHead(this.#head);
  }

  /** Feeds bytes as read from the socket. Throws an `Error` on a malformed head (the caller counts a failure). */
  feed(chunk: Buffer): void {
    if (this.#head === undefined) {
      const all = this.#headBytes ? Buffer.concat([this.#headBytes, chunk]) : chunk;
      const end = all.indexOf(HEADER_END);
      if (end === -1) {
        if (all.length > MAX_HEADER_BYTES) throw new Error('response head larger than 16 KiB');
        this.#headBytes = all;
        return;
      }
      this.#headBytes = undefined;
      const text = all.toString('latin1', 0, end);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!match) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(text.slice(0, 40))}`);
      this.#head = { status: Number(match[1]), chunked: /\r\ntransfer-encoding:[ \t]*chunked/i.test(text) };
      this.#onHead(this.#head);
      chunk = all.subarray(end + HEADER_END.length);
    }
    if (this.#head.chunked) this.#feedChunked(chunk);
    else this.#scan(chunk, 0, chunk.length);
  }

  #feedChunked(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#skipCrlf > 0) {
        at++;
        this.#skipCrlf--;
        continue;
      }
      if (this.#chunkLeft > 0) {
        const take = Math.min(this.#chunkLeft, chunk.length - at);
        this.#scan(chunk, at, at + take);
        at += take;
        this.#chunkLeft -= take;
        if (this.#chunkLeft === 0) {
          this.#chunkLeft = -1;
          this.#skipCrlf = 2;
        }
        continue;
      }
      const lf = chunk.indexOf(LF, at);
      if (lf === -1) {
        this.#sizeLine += chunk.toString('latin1', at);
        return;
      }
      const line = this.#sizeLine + chunk.toString('latin1', at, lf);
      this.#sizeLine = '';
      at = lf + 1;
      // The blank line after the last (zero-size) chunk ends the trailer section; it carries no size.
      if (line.trim() === '') continue;
      const size = Number.parseInt(line, 16);
      if (Number.isNaN(size)) throw new Error(`bad chunk size line ${JSON.stringify(line.slice(0, 20))}`);
      // A zero-size chunk ends the response; the socket's end event reports it.
      this.#chunkLeft = size === 0 ? -1 : size;
    }
  }

  #scan(buf: Buffer, from: number, to: number): void {
    let at = from;
    while (at < to) {
      let lf = buf.indexOf(LF, at);
      if (lf >= to) lf = -1;
      const end = lf === -1 ? to : lf;
      // A lone CR before the LF belongs to the line end, not the line.
      const contentEnd = lf !== -1 && end > at && buf[end - 1] === CR ? end - 1 : end;
      // A line is a data line when it starts with `data:` (or is exactly `data`); the prefix may span reads.
      if (this.#lineLength < 5 && contentEnd > at) {
        this.#prefix += buf.toString('latin1', at, Math.min(contentEnd, at + 5 - this.#lineLength));
        if (this.#prefix === 'data:') this.#lineIsData = true;
      }
      // A CR ending a read may be the first half of a CRLF: never part of the line (SSE ends lines at a CR too).
      const headEnd = lf === -1 && contentEnd > at && buf[contentEnd - 1] === CR ? contentEnd - 1 : contentEnd;
      if (this.#ids && headEnd > at && this.#lineHead.length < LINE_HEAD_BYTES) {
        const take = Math.min(headEnd, at + LINE_HEAD_BYTES - this.#lineHead.length);
        this.#lineHead += buf.toString('latin1', at, take);
      }
      // The stamp is read only when it lies within one read: latency is sampled, never required.
      if (this.#lineIsData && this.#stamp === undefined) {
        const s = buf.indexOf(STAMP, at);
        if (s !== -1 && s < contentEnd) this.#stamp = readNumber(buf, s + STAMP.length, contentEnd);
      }
      if (lf === -1) {
        // A CR at the end of a read may be the first half of a CRLF split across reads: hold it back.
        const trailingCr = buf[to - 1] === CR ? 1 : 0;
        this.#lineLength += this.#pendingCr + (to - at - trailingCr);
        this.#pendingCr = trailingCr;
        return;
      }
      this.#lineLength += (contentEnd > at ? this.#pendingCr : 0) + contentEnd - at;
      this.#pendingCr = 0;
      if (this.#lineLength === 0) {
        // spec(§9.2.6): an empty line dispatches the event.
        if (this.#frameHasData) this.#onFrame(this.#stamp, this.#frameSeq, this.#frameId);
        this.#frameHasData = false;
        this.#stamp = undefined;
        this.#frameSeq = undefined;
        this.#frameId = undefined;
      } else if (this.#lineIsData || this.#prefix === 'data') {
        if (this.#ids && !this.#frameHasData) this.#frameSeq = readSequence(this.#lineHead);
        this.#frameHasData = true;
      } else if (this.#ids && (this.#prefix.startsWith('id:') || this.#prefix === 'id')) {
        this.#frameId = idValue(this.#lineHead);
      }
      this.#lineHead = '';
      this.#lineLength = 0;
      this.#prefix = '';
      this.#lineIsData = false;
      at = lf + 1;
    }
  }
}

function readSequence(line: string): number | undefined {
  const match = SEQUENCE.exec(line);
  return match === null ? undefined : Number(match[1]);
}

/** The value of an `id` line (read as latin1): one leading space dropped, UTF-8 restored. */
function idValue(line: string): string {
  const value = line.slice(line.startsWith('id: ') ? 4 : 3);
  return Buffer.from(value, 'latin1').toString('utf8');
}

function readNumber(buf: Buffer, from: number, to: number): number | undefined {
  let value = 0;
  let scale = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      if (scale > 0) scale *= 10;
      digits++;
    } else if (c === DOT && scale === 0) {
      scale = 1;
    } else {
      if (digits === 0) return undefined;
      return scale > 1 ? value / scale : value;
    }
  }
  // The number ran to the end of the read or line without a terminator: it may continue, so it is not trusted.
  return undefined;
}
