/**
 * UTF-8 for the parser: streaming decoding, and the UTF-8 size of decoded text (what `maxEventBytes` counts).
 *
 * On ASCII text `TextDecoder.decode(bytes, { stream: true })` is 4–5× slower in Node than a one-shot decode
 * of the same bytes (13.7 ms vs 3.0 ms for 19 MB in 16 KiB chunks, measured with `npm run bench:parser`'s
 * corpus), so this module keeps the streaming state itself: it holds back an incomplete character at the
 * end of a chunk and decodes the rest in whichever call is faster for it. Decoding is split only just before a byte that starts a
 * character, where a streaming decoder carries no state, so the text is identical to a streaming decode.
 * @module
 */

/** Decodes a byte stream chunk by chunk; a character split across chunks decodes once complete. */
export interface Utf8StreamDecoder {
  /** Decodes `bytes`, holding back an incomplete trailing sequence for the next call. */
  decode(bytes: Uint8Array): string;
  /** Ends the byte stream: a held-back incomplete sequence becomes U+FFFD. */
  flush(): string;
}

/**
 * Chunks of at most this many ASCII bytes are built in JavaScript: ~4.4 ns a byte against ~40 ns a call of
 * the one-shot decoder (Node 20, measured on 7- and 16-byte chunks), so the loop wins up to ~9 bytes.
 */
const SMALL_CHUNK = 8;
const STREAM = { stream: true };

/**
 * spec(§9.2.6): "Event streams are always decoded as UTF-8": invalid bytes become U+FFFD and no other
 * encoding is ever sniffed. The byte order mark is kept (`ignoreBOM: true`) because the parser removes
 * exactly one at the start of the stream, whether it was fed bytes or text.
 */
export function createUtf8StreamDecoder(): Utf8StreamDecoder {
  // Two decoders: Node 20 turns a TextDecoder's fast one-shot path (simdutf) off for good once it has decoded
  // with `stream: true`, so the one-shot decoder never streams, and the streaming one is made when needed.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let streamDecoder: TextDecoder | undefined;
  let held: Uint8Array | undefined;
  /**
   * The last chunk was not ASCII, so this one goes to the streaming decoder whole: it keeps an incomplete
   * trailing character itself, which saves the copy that joining `held` to the next chunk costs (a copy per
   * chunk on non-ASCII text cut into 1 KiB chunks, where most chunks split a character).
   */
  let streaming = false;

  function decode(chunk: Uint8Array): string {
    if (streamDecoder !== undefined && streaming) {
      const text = streamDecoder.decode(chunk, STREAM);
      // A chunk that ends on an ASCII byte leaves nothing in the streaming decoder, so the one-shot call
      // may take over; do so when the chunk was ASCII (as many code units as bytes: a guess is enough).
      const length = chunk.length;
      if (length > 0 && chunk[length - 1]! < 0x80 && text.length === length) streaming = false;
      return text;
    }
    let bytes = chunk;
    if (held !== undefined) {
      bytes = new Uint8Array(held.length + chunk.length);
      bytes.set(held);
      bytes.set(chunk, held.length);
      held = undefined;
    }
    const cut = incompleteTailStart(bytes);
    if (cut < bytes.length) {
      held = bytes.slice(cut);
      bytes = bytes.subarray(0, cut);
    }
    if (bytes.length <= SMALL_CHUNK) {
      const ascii = asciiString(bytes);
      if (ascii !== undefined) return ascii;
    }
    // The two decode calls are fast on different text (Node 20, `npm run bench:parser`): one-shot decoding
    // is 2–5× faster on ASCII, streaming decoding ~2× faster on non-ASCII text. A stream's next chunk is
    // most likely like its last, so the last one picks. `bytes` ends on a character boundary, so the
    // one-shot call gives the same string as a streaming one.
    const text = decoder.decode(bytes);
    // Valid UTF-8 decodes to as many code units as bytes only when it is ASCII.
    if (text.length === bytes.length) return text;
    streaming = true;
    streamDecoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
    if (held === undefined) return text;
    // The bytes held back from this chunk go into the streaming decoder, which completes them with the next
    // chunk; it returns U+FFFD at once for those that cannot begin a valid character (F0 84, say).
    const rest = held;
    held = undefined;
    return text + streamDecoder.decode(rest, STREAM);
  }

  function flush(): string {
    if (streamDecoder !== undefined && streaming) {
      streaming = false;
      return streamDecoder.decode();
    }
    if (held === undefined) return '';
    const rest = held;
    held = undefined;
    return decoder.decode(rest);
  }

  return { decode, flush };
}

/**
 * The index where an incomplete multi-byte character starts at the end of `bytes`, or `bytes.length`.
 * Only the last lead byte among the final four bytes can begin a character that is still incomplete.
 */
function incompleteTailStart(bytes: Uint8Array): number {
  const length = bytes.length;
  const stop = Math.max(0, length - 4);
  for (let i = length - 1; i >= stop; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    const needed =
      byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xc2 && byte <= 0xdf ? 2 : 1;
    return length - i < needed ? i : length;
  }
  return length;
}

/** The text of a short all-ASCII chunk, built without a decoder call; `undefined` if any byte is not ASCII. */
function asciiString(bytes: Uint8Array): string | undefined {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return undefined;
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * The UTF-8 size of `s[start, end)`, as `TextEncoder` would encode it: a surrogate pair is 4 bytes and a lone
 * surrogate 3 (it becomes U+FFFD). Text the parser decoded from valid UTF-8 measures exactly its bytes on the wire.
 */
export function utf8Length(s: string, start = 0, end = s.length): number {
  let bytes = end - start;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}
