/**
 * The publish sequence numbers one subscriber has received, as a growable bitset: a reconnecting subscriber
 * counts an update the server replays twice once, and the replay as a duplicate.
 * @module
 */

/** Sequence numbers are publish indexes, so a run of `count` publishes needs `count` bits per subscriber. */
export class SeqSet {
  #bits = new Uint8Array(32);
  #size = 0;

  /** Adds `seq` (an integer ≥ 0); `false` when it was already there. */
  add(seq: number): boolean {
    const byte = seq >>> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const mask = 1 << (seq & 7);
    if ((this.#bits[byte]! & mask) !== 0) return false;
    this.#bits[byte]! |= mask;
    this.#size++;
    return true;
  }

  get size(): number {
    return this.#size;
  }
}
