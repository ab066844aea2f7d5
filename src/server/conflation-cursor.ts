/**
 * Conflation replaces a queued value where it stands, so a newer value of one key can leave before an
 * older value of another key that is still queued behind it. Had the newer one carried its `id:`, a client
 * whose connection broke right after it would resume past the older one and never get it. So a value that
 * overtook another is sent without its `id:` line: the client's cursor (its last event ID) only moves to
 * an id it has received everything before, and a resume at worst repeats a few values — harmless for a
 * latest-value feed, where the newest value of each key is what counts.
 * @module
 */

export interface Sequenced {
  readonly frame: Uint8Array;
  /** When the frame was written: values that replace a queued one take a newer number than those after. */
  readonly seq: number;
}

/** The frames in queue order, each without its `id:` line if a frame written before it is still behind it. */
export function cursorSafeFrames(queue: readonly Sequenced[]): Uint8Array[] {
  const frames = new Array<Uint8Array>(queue.length);
  let oldestBehind = Number.POSITIVE_INFINITY;
  for (let i = queue.length - 1; i >= 0; i--) {
    const { frame, seq } = queue[i]!;
    frames[i] = seq > oldestBehind ? withoutIdField(frame) : frame;
    if (seq < oldestBehind) oldestBehind = seq;
  }
  return frames;
}

const I = 0x69;
const D = 0x64;
const COLON = 0x3a;
const CR = 0x0d;
const LF = 0x0a;

/** `frame` (encoded event-stream text) without its `id` field lines; other lines are kept byte for byte. */
export function withoutIdField(frame: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [];
  let start = 0;
  while (start < frame.length) {
    // A line ends at CRLF, LF or CR (WHATWG HTML, "Server-sent events": the stream's line terminators).
    let end = start;
    while (end < frame.length && frame[end] !== LF && frame[end] !== CR) end++;
    const lineEnd = end;
    if (end < frame.length) end += frame[end] === CR && frame[end + 1] === LF ? 2 : 1;
    const isId =
      lineEnd - start >= 2 &&
      frame[start] === I &&
      frame[start + 1] === D &&
      (lineEnd - start === 2 || frame[start + 2] === COLON);
    if (!isId) kept.push(frame.subarray(start, end));
    start = end;
  }
  return Buffer.concat(kept);
}
