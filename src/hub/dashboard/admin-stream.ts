/**
 * The dashboard's private stream: one SSE response per open dashboard, fed from the hub's own numbers —
 * `stats` once per interval (with events/s and deliveries/s) and `updates` batches of what was just stored.
 * One follower and one timer serve every open dashboard, and both exist only while one is open.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSession, type Session } from '../../server/index.js';
import { streamExpiry } from '../auth/index.js';
import type { DashboardHost } from '../extension.js';
import type { StoredUpdate } from '../update.js';

/** What the dashboard shows of one update: metadata only, never the payload. */
export interface UpdateSummary {
  readonly id: string;
  readonly topic: string;
  /** How many topics the update has (the first is shown). */
  readonly topics: number;
  readonly type: string | null;
  readonly private: boolean;
  /** Payload size in bytes (UTF-8). */
  readonly bytes: number;
  /** When the hub accepted it, ms since the epoch. */
  readonly publishedAt: number;
}

/** The `stats` event. */
export interface StatsSnapshot extends ReturnType<DashboardHost['stats']> {
  /** Updates stored per second over the last interval (every node sharing the log). */
  readonly eventsPerSecond: number;
  /** Writes to subscribers of this node per second over the last interval. */
  readonly deliveriesPerSecond: number;
  readonly at: number;
}

export interface AdminStreamOptions {
  /** How often `stats` is sent, in ms. */
  readonly intervalMs: number;
  /** Most update summaries in one `updates` event; a burst beyond it keeps the newest. */
  readonly maxBatch: number;
  /** Most selectors listed in `stats` (the most used). */
  readonly maxSelectors: number;
}

export class AdminStream {
  readonly #host: DashboardHost;
  readonly #options: AdminStreamOptions;
  readonly #sessions = new Set<Session>();
  #pending: UpdateSummary[] = [];
  #stored = 0;
  #last: { at: number; stored: number; deliveries: number } | undefined;
  #stopFollowing: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(host: DashboardHost, options: AdminStreamOptions) {
    this.#host = host;
    this.#options = options;
  }

  /**
   * Opens a stream for an already authorized request; `exp` (ms since the epoch) is when its credential
   * expires: the stream is closed then, as subscriber streams are, and the page reconnects with a fresh one.
   */
  open(req: IncomingMessage, res: ServerResponse, exp?: number): void {
    const session = createSession(req, res, { retryMs: 1000, headers: { 'Cache-Control': 'no-store' } });
    this.#sessions.add(session);
    if (exp !== undefined)
      session.on(
        'close',
        streamExpiry.schedule(exp, () => session.close()),
      );
    session.on('close', () => {
      this.#sessions.delete(session);
      if (this.#sessions.size === 0) this.#stop();
    });
    if (this.#timer === undefined) this.#start();
    session.send(JSON.stringify(this.#snapshot(false)), { event: 'stats' });
  }

  close(): void {
    for (const session of [...this.#sessions]) session.close();
    this.#stop();
  }

  #start(): void {
    this.#last = undefined;
    this.#stopFollowing = this.#host.follow((update) => this.#onUpdate(update));
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  #stop(): void {
    this.#stopFollowing?.();
    this.#stopFollowing = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }

  #onUpdate(update: StoredUpdate): void {
    this.#stored++;
    this.#pending.push(summarize(update));
    if (this.#pending.length > this.#options.maxBatch) this.#pending.shift();
    // Batches go out on the next turn, not per update: a burst of a thousand updates is one event.
    if (this.#pending.length === 1) setImmediate(() => this.#flushUpdates());
  }

  #flushUpdates(): void {
    if (this.#pending.length === 0) return;
    const frame = JSON.stringify(this.#pending);
    this.#pending = [];
    for (const session of this.#sessions) session.send(frame, { event: 'updates' });
  }

  #tick(): void {
    const frame = JSON.stringify(this.#snapshot(true));
    for (const session of this.#sessions) session.send(frame, { event: 'stats' });
  }

  #snapshot(advance: boolean): StatsSnapshot {
    const stats = this.#host.stats();
    const now = Date.now();
    const last = this.#last;
    let eventsPerSecond = 0;
    let deliveriesPerSecond = 0;
    if (last !== undefined && now > last.at) {
      const seconds = (now - last.at) / 1000;
      eventsPerSecond = round((this.#stored - last.stored) / seconds);
      deliveriesPerSecond = round((stats.deliveries - last.deliveries) / seconds);
    }
    if (advance || last === undefined) this.#last = { at: now, stored: this.#stored, deliveries: stats.deliveries };
    return {
      ...stats,
      selectors: stats.selectors.slice(0, this.#options.maxSelectors),
      eventsPerSecond,
      deliveriesPerSecond,
      at: now,
    };
  }
}

function summarize(update: StoredUpdate): UpdateSummary {
  return {
    id: update.id,
    topic: update.topics[0] ?? '',
    topics: update.topics.length,
    type: update.type ?? null,
    private: update.private,
    bytes: Buffer.byteLength(update.data),
    publishedAt: update.publishedAt,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
