/**
 * One connection shared by the tabs of an origin (`connect(url, { share: { name } })`). The tabs elect a
 * leader — with Web Locks where they exist (an exclusive lock held for the tab's life, released by the
 * browser when the tab goes), else with a lease over `BroadcastChannel` — and only the leader connects. It
 * relays every event, with its id, over a `BroadcastChannel`; every tab tracks the last id relayed, so the
 * next leader resumes after it with `Last-Event-ID`. An event the new leader gets again (its resume point may
 * be a little behind what another tab saw) is recognised by its id and dropped: nothing lost, nothing twice.
 * @module
 */
import { HotlineError, type HotlineErrorCode } from '../errors.js';
import type { EventSchemas, ParsedEvent } from '../protocol/index.js';
import type { ConnectOptions, EventStreamConnection } from './connect.js';
import { Delivery } from './delivery.js';
import { HttpError } from './errors.js';
import { loopOptions, StreamLoop, startingId } from './stream-loop.js';

export interface ShareOptions {
  /** Tabs of one origin that use the same name share one connection (name it after the URL it reads). */
  name: string;
  /** The leader's lease where Web Locks are missing: a silent leader is replaced after this long. @defaultValue 1500 */
  leaseMs?: number;
}

const DEFAULT_LEASE_MS = 1500;
/** Ids remembered for de-duplication: far more than can be in flight around a takeover. */
const RECENT_IDS = 4096;

type Message =
  /** `key` is the event's id when its frame set one (a fresh id), so a repeat can be recognised. */
  | { kind: 'event'; event: ParsedEvent; key: string | undefined }
  | { kind: 'end'; error?: { code?: HotlineErrorCode; status?: number; message: string } }
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

  constructor(url: string, options: ConnectOptions<unknown> & { schemas?: EventSchemas; share: ShareOptions }) {
    this.#delivery = new Delivery(options, () => this.close());
    this.#lastEventId = options.lastEventId ?? '';
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
    void Promise.resolve(startingId(options)).then(
      (id) => {
        if (this.#abort.signal.aborted) return;
        this.#lastEventId = id;
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
    if (message.kind === 'event') this.#accept(message.event, message.key);
    else if (message.kind === 'end') this.#settle?.(message.error === undefined ? undefined : revive(message.error));
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

  /** This tab leads: connect, resuming after the last id any tab relayed; returns how to step down. */
  #lead(url: string, options: ConnectOptions<unknown>): () => void {
    const leading = new AbortController();
    const stop = () => leading.abort();
    this.#abort.signal.addEventListener('abort', stop, { once: true });
    const loop = new StreamLoop(url, loopOptions(options), {
      lastEventId: this.#lastEventId,
      abort: leading,
      emit: (event, previousId) => {
        const key = event.lastEventId !== previousId && event.lastEventId !== '' ? event.lastEventId : undefined;
        const plain: ParsedEvent = { type: event.type, data: event.data, lastEventId: event.lastEventId };
        this.#channel.postMessage({ kind: 'event', event: plain, key } satisfies Message);
        this.#accept(plain, key);
      },
    });
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
  if (error instanceof HttpError) return { code: error.code, status: error.status, message: error.message };
  if (error instanceof HotlineError) return { code: error.code, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}

function revive(error: NonNullable<Extract<Message, { kind: 'end' }>['error']>): Error {
  if (error.status !== undefined) return new HttpError(error.status, error.message);
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
 * wins. Two leaders at once (a claim that crossed another) resolve the same way: the larger one steps down.
 */
function leaseElection(leaseMs: number, channel: BroadcastChannel, signal: AbortSignal, lead: () => () => void): void {
  const tab = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const post = (kind: 'lease' | 'claim' | 'resign') => channel.postMessage({ kind, tab } satisfies Message);
  // Listen for a whole lease before claiming: a leader may already be there.
  let heardAt = Date.now();
  let claims: Set<string> | undefined;
  let stepDown: (() => void) | undefined;
  const claim = () => {
    claims = new Set([tab]);
    post('claim');
  };
  const tick = () => {
    if (stepDown !== undefined) return post('lease');
    if (claims !== undefined) {
      const winner = [...claims].sort()[0];
      claims = undefined;
      if (winner === tab && Date.now() - heardAt > leaseMs) {
        post('lease');
        stepDown = lead();
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
      if (stepDown !== undefined) return post('lease');
      if (claims === undefined) claim();
      claims?.add(data.tab);
      return;
    }
    heardAt = Date.now();
    claims = undefined;
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
