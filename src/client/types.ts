/**
 * Types of `hotline/client`. `FetchLike` is the minimal structural shape of `fetch` the client needs, so
 * that any implementation (undici, a browser's, a test double of a real server, a proxy-aware one) fits.
 * @module
 */

/** What the client reads of a response. */
export interface ResponseLike {
  readonly status: number;
  readonly url: string;
  readonly redirected?: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/** What the client passes to `fetch`. */
export interface RequestInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | URLSearchParams | null;
  signal?: AbortSignal;
  redirect?: 'follow';
  credentials?: 'include' | 'same-origin' | 'omit';
  cache?: 'no-store';
}

export type FetchLike = (input: string, init: RequestInitLike) => Promise<ResponseLike>;
