/**
 * One connection shared by the tabs of an origin (`connect(url, { share: { name } })`). The tabs elect a
 * leader — with Web Locks where they exist (an exclusive lock held for the tab's life, released by the
 * browser when the tab goes), else with a lease over `BroadcastChannel` — and only the leader connects. It
 * relays every event, with its id, over a `BroadcastChannel`; every tab tracks the last id relayed, so the
 * next leader resumes after it with `Last-Event-ID`. An event the new leader gets again (its resume point may
 * be a little behind what another tab saw) is recognised by its id and dropped: nothing lost, nothing twice.
 * The leader also relays its connection's state, so every tab's `onOpen` and `onRetry` fire as if it had
 * connected itself (a tab that joins later asks, and the leader answers if it is connected).
 * @module
 */
import { HotlineError, type HotlineErrorCode } from '../errors.js';
import type { EventSchemas, ParsedEvent } from '../protocol/index.js';
import type { ConnectOptions, EventStreamConnection, ShareOptions } from './connect-options.js';
import { Delivery } from './delivery.js';
import { HttpError, type ServerReason } from './errors.js';
import { StateCatchUp } from './share-catch-up.js';
import { checkResponse, loopOptions, StreamLoop, startingId } from './stream-loop.js';

const DEFAULT_LEASE_MS = 1500;
/** The response headers followers' `onOpen` sees (a response's headers cannot be listed through `get()`). */
const RELAYED_HEADERS = ['content-type', 'content-encoding', 'cache-control', 'last-event-id'] as const;
/** Ids remembered for de-duplication: far more than can be in flight around a takeover. */
const RECENT_IDS = 4096;

interface FlatError {
  code?: HotlineErrorCode;
  status?: number;
  reason?: ServerReason | undefined;
  url?: string | undefined;
  message: string;
}

/** What followers learn of the leader's response: enough for an `onOpen` hook, not the body. */
interface RelayedOpen {
  status: number;
  url: string;
  headers: [string, string][];
}

type Message =
  /** `key` is the event's id when its frame set one (a fresh id), so a repeat can be recognised. */
  | { kind: 'event'; event: ParsedEvent; key: string | undefined }
  | { kind: 'end'; error?: FlatError }
  | ({ kind: 'open' } & RelayedOpen)
  | { kind: 'retry'; error: FlatError; delayMs: number; attempt: number }
  /** A tab that just joined asks whether the leader is connected. */
  | { kind: 'ask' }
  | { kind: 'lease' | 'claim' | 'resign'; tab: string };

/** The part of `navigator.locks` the election needs. */
interface LockManagerLike {
  request(name: string, options: { signal: AbortSignal }, callback: () => Promise<void>): Promise<void>;
}

export class SharedConnection implements EventStreamConnection<unknown> {
  /** Sharing needs `BroadcastChannel`; without it `connect()` opens a connection of its own. */
  static supported(): boolean {
    return typeof BroadcastChannel === 'function';
  }

  readonly done: Promise<void>;
  readonly #abort = new AbortController();
  readonly #delivery: Delivery<unknown>;
  readonly #channel: BroadcastChannel;
  readonly #seen = new Set<string>();
  #lastEventId: string;
  #settle: ((error?: unknown) => void) | undefined;
  readonly #onOpen: ConnectOptions<unknown>['onOpen'];
  readonly #onRetry: ConnectOptions<unknown>['onRetry'];
  /** Whether this tab has reported the shared connection open (through its own loop or the leader's). */
  #open = false;
  /** While this tab leads: its response, once connected, to answer the tabs that ask. */
  #leaderOpen: RelayedOpen | undefined;
  /** Starts a tab's own state catch-up (share-catch-up.ts); set while one may still start. */
  #startCatchUp: (() => void) | undefined;
  #catchUp: StateCatchUp | undefined;

  constructor(url: string, options: ConnectOptions<unknown> & { schemas?: EventSchemas; share: ShareOptions }) {
    this.#delivery = new Delivery(options, () => this.close());
    this.#lastEventId = options.lastEventId ?? '';
    this.#onOpen = options.onOpen;
    this.#onRetry = options.onRetry;
    this.#channel = new BroadcastChannel(`hotline-share:${options.share.name}`);
    this.done = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => {
        this.#settle = undefined;
        this.#abort.abort();
        this.#channel.close();
        this.#delivery.end(error);
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    this.done.catch(() => {});
    if (options.signal?.aborted) this.close();
    else options.signal?.addEventListener('abort', () => this.close(), { once: true });
    this.#channel.onmessage = (message: MessageEvent<Message>) => this.#receive(message.data);
    this.#channel.postMessage({ kind: 'ask' } satisfies Message);
    void Promise.resolve(startingId(options)).then(
      (id) => {
        if (this.#abort.signal.aborted) return;
        this.#lastEventId = id;
        // State is for a tab with nothing to resume from; the leader's relay alone would not bring it.
        if (options.state !== undefined && id === '') this.#startCatchUp = () => this.#catchUpWith(url, options);
        // The leader may have said it is connected before the id was known.
        if (this.#open) this.#startCatchUp?.();
        elect(options.share, this.#channel, this.#abort.signal, () => this.#lead(url, options));
      },
      (error: unknown) => this.#settle?.(error),
    );
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  close(): void {
    this.#settle?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this.#delivery.iterate();
  }

  #receive(message: Message): void {
    if (message.kind === 'event') {
      if (this.#catchUp?.hold(message.event, message.key) !== true) this.#accept(message.event, message.key);
    } else if (message.kind === 'end') this.#settle?.(message.error === undefined ? undefined : revive(message.error));
    else if (message.kind === 'open') this.#relayedOpen(message);
    else if (message.kind === 'retry') this.#relayedRetry(message);
    else if (message.kind === 'ask' && this.#leaderOpen !== undefined)
      this.#channel.postMessage({ kind: 'open', ...this.#leaderOpen } satisfies Message);
  }

  #relayedOpen(open: RelayedOpen): void {
    if (this.#open) return;
    this.#open = true;
    this.#startCatchUp?.();
    const headers = new Map(open.headers);
    const response = {
      status: open.status,
      url: open.url,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      body: null,
    };
    // As on a connection of its own, an onOpen that throws ends this tab's stream.
    void Promise.resolve()
      .then(() => this.#onOpen?.(response))
      .catch((error: unknown) => this.#settle?.(error));
  }

  #relayedRetry(retry: Extract<Message, { kind: 'retry' }>): void {
    this.#open = false;
    const error = revive(retry.error);
    this.#onRetry?.(
      error instanceof HotlineError ? error : new HotlineError('HOTLINE_CLIENT_NETWORK_ERROR', error.message),
      retry.delayMs,
      retry.attempt,
    );
  }

  #accept(event: ParsedEvent, key: string | undefined): void {
    if (key !== undefined) {
      if (this.#seen.has(key)) return;
      this.#seen.add(key);
      if (this.#seen.size > RECENT_IDS) this.#seen.delete(this.#seen.values().next().value as string);
    }
    const previousId = this.#lastEventId;
    this.#lastEventId = event.lastEventId;
    this.#delivery.accept(event, previousId);
  }

  /**
   * A tab that joined an open shared connection gets its state through a stream of its own, once — also
   * when a relayed event came first (the leader answers a joining tab's ask after events it was relaying):
   * events are recognised by id, so none comes twice.
   */
  #catchUpWith(url: string, options: ConnectOptions<unknown>): void {
    this.#startCatchUp = undefined;
    this.#catchUp = new StateCatchUp(
      url,
      loopOptions(options),
      { accept: (event, key) => this.#accept(event, key), delivered: (key) => this.#seen.has(key) },
      this.#abort.signal,
    );
  }

  /** This tab leads: connect, resuming after the last id any tab relayed; returns how to step down. */
  #lead(url: string, options: ConnectOptions<unknown>): () => void {
    // Leading, it resumes after what it delivered: a catch-up still running ends here.
    this.#startCatchUp = undefined;
    this.#catchUp?.finish();
    const leading = new AbortController();
    const stop = () => {
      this.#leaderOpen = undefined;
      leading.abort();
    };
    this.#abort.signal.addEventListener('abort', stop, { once: true });
    const loop = new StreamLoop(
      url,
      {
        ...loopOptions(options),
        onOpen: async (response) => {
          // Replacing onOpen replaces the loop's own status check, so it runs here when the caller has none.
          await (options.onOpen ?? checkResponse)(response);
          this.#open = true;
          const headers: [string, string][] = [];
          for (const name of RELAYED_HEADERS) {
            const value = response.headers.get(name);
            if (value !== null) headers.push([name, value]);
          }
          this.#leaderOpen = { status: response.status, url: response.url, headers };
          this.#channel.postMessage({ kind: 'open', ...this.#leaderOpen } satisfies Message);
        },
        onRetry: (error, delayMs, attempt) => {
          this.#open = false;
          this.#leaderOpen = undefined;
          this.#channel.postMessage({ kind: 'retry', error: flatten(error), delayMs, attempt } satisfies Message);
          options.onRetry?.(error, delayMs, attempt);
        },
      },
      {
        lastEventId: this.#lastEventId,
        abort: leading,
        emit: (event, previousId) => {
          const key = event.lastEventId !== previousId && event.lastEventId !== '' ? event.lastEventId : undefined;
          const plain: ParsedEvent = { type: event.type, data: event.data, lastEventId: event.lastEventId };
          this.#channel.postMessage({ kind: 'event', event: plain, key } satisfies Message);
          this.#accept(plain, key);
        },
        // An id-only block moves the cursor too (HTML dispatch step 1), though no event is relayed for it.
        commitId: (id, previousId) => this.#delivery.commitId(id, previousId),
      },
    );
    const finish = (error?: unknown) => {
      this.#abort.signal.removeEventListener('abort', stop);
      // Stepping down or closing this tab is not the end of the stream for the others.
      if (leading.signal.aborted) return;
      this.#channel.postMessage({
        kind: 'end',
        error: error === undefined ? undefined : flatten(error),
      } satisfies Message);
      this.#settle?.(error);
    };
    loop.run().then(() => finish(), finish);
    return stop;
  }
}

function flatten(error: unknown): NonNullable<Extract<Message, { kind: 'end' }>['error']> {
  if (error instanceof HttpError)
    return { code: error.code, status: error.status, reason: error.reason, url: error.url, message: error.message };
  if (error instanceof HotlineError) return { code: error.code, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}

function revive(error: NonNullable<Extract<Message, { kind: 'end' }>['error']>): Error {
  if (error.status !== undefined) return new HttpError(error.status, error.message, error.reason, { url: error.url });
  if (error.code !== undefined) return new HotlineError(error.code, error.message);
  return new Error(error.message);
}

/** Runs the election for this tab; `lead` is called when it wins and returns how to step down. */
function elect(share: ShareOptions, channel: BroadcastChannel, signal: AbortSignal, lead: () => () => void): void {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  if (locks !== undefined) {
    // The lock is held until this connection closes or the tab goes; the next request in line gets it.
    locks
      .request(`hotline-share:${share.name}`, { signal }, () => {
        lead();
        return new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener('abort', () => resolve(), { once: true });
        });
      })
      .catch(() => {
        // Aborted while waiting in line: this tab closed its connection before it ever led.
      });
    return;
  }
  leaseElection(share.leaseMs ?? DEFAULT_LEASE_MS, channel, signal, lead);
}

/**
 * The fallback election over `BroadcastChannel`: the leader renews a lease every quarter of `leaseMs`; when
 * it lapses (or the leader resigns on `pagehide`), the tabs that noticed claim it and the smallest tab id
 * wins. The winner announces its lease and leads one tick later unless a smaller tab announced one too (a
 * claim that arrived late, on a busy machine), so that two tabs rarely both connect; should they anyway, the
 * larger one steps down when it hears the other's lease.
 */
function leaseElection(leaseMs: number, channel: BroadcastChannel, signal: AbortSignal, lead: () => () => void): void {
  const tab = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const post = (kind: 'lease' | 'claim' | 'resign') => channel.postMessage({ kind, tab } satisfies Message);
  // Listen for a whole lease before claiming: a leader may already be there.
  let heardAt = Date.now();
  let claims: Set<string> | undefined;
  /** This tab won a claim and announced its lease; it leads at the next tick if nobody smaller objects. */
  let confirming = false;
  let stepDown: (() => void) | undefined;
  const claim = () => {
    claims = new Set([tab]);
    post('claim');
  };
  const tick = () => {
    if (stepDown !== undefined) return post('lease');
    if (confirming) {
      confirming = false;
      if (Date.now() - heardAt > leaseMs) {
        post('lease');
        stepDown = lead();
      }
      return;
    }
    if (claims !== undefined) {
      const winner = [...claims].sort()[0];
      claims = undefined;
      if (winner === tab && Date.now() - heardAt > leaseMs) {
        post('lease');
        confirming = true;
      }
      return;
    }
    if (Date.now() - heardAt > leaseMs) claim();
  };
  const onMessage = (message: MessageEvent<Message>) => {
    const data = message.data;
    if (data.kind !== 'lease' && data.kind !== 'claim' && data.kind !== 'resign') return;
    if (data.kind === 'resign') {
      heardAt = 0;
      return claim();
    }
    if (data.kind === 'claim') {
      if (stepDown !== undefined || confirming) return post('lease');
      if (claims === undefined) claim();
      claims?.add(data.tab);
      return;
    }
    // A larger tab's lease does not stop this one from leading (or confirming): it will back off.
    if (data.tab > tab && (stepDown !== undefined || confirming)) return;
    heardAt = Date.now();
    claims = undefined;
    confirming = false;
    if (stepDown !== undefined && data.tab < tab) {
      stepDown();
      stepDown = undefined;
    }
  };
  const resign = () => {
    if (stepDown !== undefined) post('resign');
  };
  channel.addEventListener('message', onMessage);
  globalThis.addEventListener?.('pagehide', resign);
  const timer = setInterval(tick, leaseMs / 4);
  signal.addEventListener(
    'abort',
    () => {
      clearInterval(timer);
      globalThis.removeEventListener?.('pagehide', resign);
      resign();
      stepDown?.();
    },
    { once: true },
  );
}
