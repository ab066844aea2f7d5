/**
 * The NATS JetStream event log: one stream shared by every hub node; positions are stream sequences.
 * `@nats-io/*` are imported only when this backend is opened, so memory and SQLite users never load them.
 *
 * Each update is published on `<stream>.id.<sha256(id), base64url>`. JetStream keeps a per-subject index,
 * so "the oldest stored update with this id" is one `next_by_subj` message get from sequence 1 — a
 * lookup in that index, not a scan of the stream — and trimming (max msgs, max age, purges) keeps it exact
 * for free. A header index would need a scan; a KV bucket would be a second write that can disagree.
 * @module
 */
import { createHash } from 'node:crypto';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { HotlineError } from '../../errors.js';
import type { NewUpdate, StoredUpdate } from '../update.js';
import { coalescedRead } from './coalesced-read.js';
import { decodeUpdate, encodeUpdate } from './entry-codec.js';
import {
  type EventLog,
  type FollowerErrorHandler,
  type LogFollower,
  type LogHealth,
  type LogOptions,
  type Retention,
  resolveRetention,
} from './event-log.js';
import { FollowerCursor } from './follower-cursor.js';
import { createNatsPresenceStore } from './nats-presence.js';
import { OpenWork } from './open-work.js';
import { importDriver } from './optional-dependency.js';
import type { PresenceStore } from './presence-store.js';
import { separateRetentionUnsupported } from './separate-retention.js';

/** Options of {@link createNatsLog}. */
export interface NatsLogOptions extends LogOptions {
  /** The JetStream stream, one per hub cluster; its subjects are `<stream>.>`. @defaultValue 'hotline' */
  stream?: string;
  /** Stream replicas in a NATS cluster (1 on a single server). @defaultValue 1 */
  replicas?: number;
  /** How long an append or read may wait before failing with `HOTLINE_LOG_UNAVAILABLE`. @defaultValue 500 */
  requestTimeoutMs?: number;
}

type JetStreamModule = typeof import('@nats-io/jetstream');

const DEFAULTS = Object.freeze({ stream: 'hotline', replicas: 1, requestTimeoutMs: 500 });
const RETRY_MS = 100;
/** How long a presence request may take (80,000 subscriptions: about a second each on this machine). */
const PRESENCE_TIMEOUT_MS = 10_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Opens the NATS event log at `url` (`nats://[user:pass@]host:port`), creating the stream or updating
 * its limits. Rejects with `HOTLINE_LOG_UNAVAILABLE` when NATS or JetStream cannot be reached.
 */
export async function createNatsLog(url: string, options: NatsLogOptions = {}): Promise<EventLog> {
  const retention = resolveRetention(options);
  if (retention.separate !== undefined) throw separateRetentionUnsupported('nats');
  const stream = options.stream ?? DEFAULTS.stream;
  if (!/^[A-Za-z0-9_-]+$/.test(stream)) {
    throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', 'the NATS stream name may use only A-Z a-z 0-9 _ -');
  }
  const timeout = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const [{ connect }, js] = await Promise.all([
    importDriver('@nats-io/transport-node', 'NATS', () => import('@nats-io/transport-node')),
    importDriver('@nats-io/jetstream', 'NATS', () => import('@nats-io/jetstream')),
  ]);
  let nc: NatsConnection;
  try {
    // Reconnect forever and quickly: the log must come back by itself when the engine does.
    nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 2000 });
  } catch (cause) {
    throw unavailable('cannot connect to NATS', cause);
  }
  try {
    const jsm = await js.jetstreamManager(nc, { timeout });
    const config = {
      subjects: [`${stream}.>`],
      max_msgs: retention.maxEvents === 0 ? -1 : retention.maxEvents,
      // The engine ages by arrival time; publishedAt is applied on reads too (see #trimByAge).
      max_age: retention.maxAgeMs * 1_000_000,
      num_replicas: options.replicas ?? DEFAULTS.replicas,
    };
    const exists = await jsm.streams.info(stream).then(
      () => true,
      () => false,
    );
    if (exists) await jsm.streams.update(stream, config);
    else
      await jsm.streams.add({
        name: stream,
        ...config,
        storage: js.StorageType.File,
        retention: js.RetentionPolicy.Limits,
        discard: js.DiscardPolicy.Old,
      });
    const client = js.jetstream(nc, { timeout });
    // Presence is off the publish path, and listing or purging a large cluster's subscriptions (consumers
    // and purges over many subjects) takes longer than an append may: it has its own, longer timeout.
    const presenceTimeout = Math.max(timeout, PRESENCE_TIMEOUT_MS);
    const presence = createNatsPresenceStore(
      js,
      await js.jetstreamManager(nc, { timeout: presenceTimeout }),
      js.jetstream(nc, { timeout: presenceTimeout }),
      stream,
      config.num_replicas,
    );
    return new NatsLog(nc, js, jsm, client, stream, retention, options.onFollowerError, presence);
  } catch (cause) {
    await nc.close();
    throw unavailable('cannot open the JetStream stream', cause);
  }
}

class NatsLog implements EventLog {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #module: JetStreamModule;
  readonly #jsm: JetStreamManager;
  readonly #js: JetStreamClient;
  readonly #stream: string;
  readonly #retention: Retention;
  readonly #onFollowerError: FollowerErrorHandler | undefined;
  readonly #presence: PresenceStore;
  readonly #work = new OpenWork<NatsFollower>();
  #connected = true;
  // As in redis.ts: a connect storm's subscribes share reads of the newest update (coalesced-read.ts).
  readonly head = coalescedRead(() => this.#head());
  readonly last = coalescedRead(() => this.#last());
  #closed = false;

  constructor(
    nc: NatsConnection,
    module: JetStreamModule,
    jsm: JetStreamManager,
    js: JetStreamClient,
    stream: string,
    retention: Retention,
    onFollowerError: FollowerErrorHandler | undefined,
    presence: PresenceStore,
  ) {
    this.#nc = nc;
    this.#presence = presence;
    this.#module = module;
    this.#jsm = jsm;
    this.#js = js;
    this.#stream = stream;
    this.#retention = retention;
    this.#onFollowerError = onFollowerError;
    void this.#watchStatus();
  }

  append(update: NewUpdate): Promise<StoredUpdate> {
    // While disconnected nats.js would buffer the publish and send it after reconnect; refusing here is
    // what makes the failure fast and keeps a rejected update from being stored later.
    if (this.#closed || !this.#connected) return Promise.reject(unavailable('NATS is not connected'));
    const appended = this.#js.publish(this.#subject(update.id), encoder.encode(encodeUpdate(update))).then(
      (ack): StoredUpdate => ({ ...update, type: update.type, retry: update.retry, position: ack.seq }),
      (cause: unknown) => {
        throw unavailable('NATS did not store the update', cause);
      },
    );
    return this.#work.append(appended);
  }

  async readAfter(after: number, limit: number): Promise<StoredUpdate[]> {
    if (limit <= 0) return [];
    await this.#trimByAge();
    const { state } = await this.#call(() => this.#jsm.streams.info(this.#stream));
    if (state.messages === 0 || after >= state.last_seq) return [];
    return this.#readRange(Math.max(after + 1, state.first_seq), state.last_seq, limit);
  }

  async readBefore(before: number, limit: number): Promise<StoredUpdate[]> {
    if (limit <= 0) return [];
    await this.#trimByAge();
    const { state } = await this.#call(() => this.#jsm.streams.info(this.#stream));
    if (state.messages === 0) return [];
    // JetStream reads forwards only: read the window just below `before`, and step further back while
    // deleted sequences left it short.
    const newestFirst: StoredUpdate[] = [];
    let end = Math.min(before - 1, state.last_seq);
    while (newestFirst.length < limit && end >= state.first_seq) {
      const start = Math.max(state.first_seq, end - (limit - newestFirst.length) + 1);
      const window = await this.#readRange(start, end, end - start + 1);
      for (let i = window.length - 1; i >= 0; i--) newestFirst.push(window[i] as StoredUpdate);
      end = start - 1;
    }
    return newestFirst;
  }

  /** Up to `limit` stored updates with sequences in `[from, to]`, oldest first. */
  async #readRange(from: number, to: number, limit: number): Promise<StoredUpdate[]> {
    // An ordered consumer streams the range in one go; `pending` says when the stream's end is reached.
    const consumer = await this.#call(() =>
      this.#js.consumers.get(this.#stream, {
        deliver_policy: this.#module.DeliverPolicy.StartSequence,
        opt_start_seq: from,
      }),
    );
    const updates: StoredUpdate[] = [];
    const messages = await this.#call(() => consumer.fetch({ max_messages: limit, expires: 2000 }));
    for await (const message of messages) {
      if (message.seq > to) break;
      updates.push(decodeUpdate(message.string(), message.seq));
      if (updates.length >= limit || message.seq === to || message.info.pending === 0) break;
    }
    await messages.close();
    return updates;
  }

  async findPosition(id: string): Promise<number | undefined> {
    await this.#trimByAge();
    const subject = this.#subject(id);
    let from = 1;
    for (;;) {
      const found = await this.#nextBySubject(subject, from);
      if (found === null) return undefined;
      // Two ids hashing alike is astronomically unlikely, but checking costs nothing and makes it exact.
      if (decodeUpdate(decoder.decode(found.data), found.seq).id === id) return found.seq;
      from = found.seq + 1;
    }
  }

  async #head(): Promise<number> {
    return (await this.#call(() => this.#jsm.streams.info(this.#stream))).state.last_seq;
  }

  async #last(): Promise<StoredUpdate | undefined> {
    await this.#trimByAge();
    const { state } = await this.#call(() => this.#jsm.streams.info(this.#stream));
    if (state.messages === 0) return undefined;
    const message = await this.#call(() => this.#jsm.streams.getMessage(this.#stream, { seq: state.last_seq }));
    return message === null ? undefined : decodeUpdate(decoder.decode(message.data), message.seq);
  }

  async size(): Promise<number> {
    await this.#trimByAge();
    return (await this.#call(() => this.#jsm.streams.info(this.#stream))).state.messages;
  }

  follow(after: number, listener: (update: StoredUpdate) => void): LogFollower {
    if (this.#closed) throw unavailable('the NATS log is closed');
    const cursor = new FollowerCursor(this.kind, after, listener, this.#onFollowerError);
    return this.#work.follower(new NatsFollower(this.#js, this.#module, this.#stream, cursor));
  }

  presence(): PresenceStore {
    return this.#presence;
  }

  async health(): Promise<LogHealth> {
    if (this.#closed) return { ok: false, detail: 'closed' };
    if (!this.#connected) return { ok: false, detail: 'nats connection lost, reconnecting' };
    try {
      await this.#jsm.streams.info(this.#stream);
      return { ok: true };
    } catch {
      return { ok: false, detail: `jetstream stream ${this.#stream} does not answer` };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#work.finish();
    await this.#nc.close();
  }

  #subject(id: string): string {
    return `${this.#stream}.id.${createHash('sha256').update(id).digest('base64url')}`;
  }

  /** The first message on `subject` at or after sequence `from`, read from the stream leader. */
  #nextBySubject(subject: string, from: number): Promise<StoredMsg | null> {
    // The server's STREAM.MSG.GET takes `next_by_subj` (2.9+), the client's type lists only seq and
    // last_by_subj. The leader answers, unlike a direct get, so a just-acked append is always seen.
    const query = { seq: from, next_by_subj: subject } as unknown as { seq: number };
    return this.#call(() => this.#jsm.streams.getMessage(this.#stream, query));
  }

  /**
   * Drops the head while it is older than maxAgeMs by publishedAt (the memory log's rule): the stream's
   * own max_age counts from arrival, which differs when a publisher's clock or a replay sets publishedAt.
   */
  async #trimByAge(): Promise<void> {
    if (this.#retention.maxAgeMs === 0) return;
    const cutoff = Date.now() - this.#retention.maxAgeMs;
    for (;;) {
      const oldest = await this.#nextBySubject(`${this.#stream}.>`, 1);
      if (oldest === null || decodeUpdate(decoder.decode(oldest.data), oldest.seq).publishedAt >= cutoff) return;
      // Purging "below seq" is idempotent, so nodes trimming at once agree.
      await this.#call(() => this.#jsm.streams.purge(this.#stream, { seq: oldest.seq + 1 }));
    }
  }

  async #call<T>(request: () => Promise<T>): Promise<T> {
    if (!this.#connected) throw unavailable('NATS is not connected');
    try {
      return await request();
    } catch (cause) {
      throw unavailable('NATS did not answer', cause);
    }
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'disconnect') this.#connected = false;
      else if (status.type === 'reconnect') {
        this.#connected = true;
        // Consumers are server state and may be gone after an engine restart: restart every follower
        // from its last delivered sequence rather than wait for missed heartbeats to notice.
        for (const follower of this.#work.followers()) follower.restart();
      }
    }
  }
}

/** One follower: an ordered consumer from the cursor's sequence, recreated after any failure. */
class NatsFollower implements LogFollower {
  readonly done: Promise<void>;
  readonly #js: JetStreamClient;
  readonly #module: JetStreamModule;
  readonly #stream: string;
  readonly #cursor: FollowerCursor;
  #messages: ConsumerMessages | undefined;
  #closed = false;

  constructor(js: JetStreamClient, module: JetStreamModule, stream: string, cursor: FollowerCursor) {
    this.#js = js;
    this.#module = module;
    this.#stream = stream;
    this.#cursor = cursor;
    this.done = this.#run();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#messages?.stop();
  }

  /** Ends the current consumer; the loop opens a new one from the last delivered sequence. */
  restart(): void {
    this.#messages?.stop();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      try {
        const consumer = await this.#js.consumers.get(this.#stream, {
          deliver_policy: this.#module.DeliverPolicy.StartSequence,
          opt_start_seq: this.#cursor.delivered + 1,
        });
        // Short heartbeats so a consumer lost with its server is noticed within seconds.
        this.#messages = await consumer.consume({ max_messages: 256, expires: 5000, idle_heartbeat: 1000 });
        if (this.#closed) this.#messages.stop();
        for await (const message of this.#messages) {
          if (this.#closed) break;
          this.#cursor.deliverEntry(message.seq, () => decodeUpdate(message.string(), message.seq));
        }
      } catch {
        // Not connected, or the consumer could not be created: try again from the cursor.
      }
      if (!this.#closed) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

function unavailable(message: string, cause?: unknown): HotlineError {
  return new HotlineError('HOTLINE_LOG_UNAVAILABLE', message, { cause });
}
