/**
 * Connection admission: a total cap (503) and a per-client-IP cap (429), both answered with
 * `Retry-After` so well-behaved clients back off instead of hammering.
 * @module
 */
import { HttpRejection } from './http-errors.js';

export class ConnectionLimits {
  readonly #maxTotal: number;
  readonly #maxPerIp: number;
  readonly #perIp = new Map<string, number>();
  #total = 0;

  constructor(maxTotal: number, maxPerIp: number) {
    this.#maxTotal = maxTotal;
    this.#maxPerIp = maxPerIp;
  }

  /** Admits one connection from `ip`, or throws; call the returned function exactly once when it ends. */
  admit(ip: string): () => void {
    if (this.#total >= this.#maxTotal) {
      throw new HttpRejection(503, 'HOTLINE_HUB_UNAVAILABLE', 'the hub is at its connection limit', {
        headers: { 'Retry-After': '5' },
      });
    }
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (this.#maxPerIp > 0 && fromIp >= this.#maxPerIp) {
      throw new HttpRejection(429, 'HOTLINE_HUB_TOO_MANY_CONNECTIONS', 'too many connections from this address', {
        headers: { 'Retry-After': '5' },
      });
    }
    this.#total++;
    this.#perIp.set(ip, fromIp + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#perIp.get(ip) ?? 1) - 1;
      if (left === 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, left);
    };
  }
}
