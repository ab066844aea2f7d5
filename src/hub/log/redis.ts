/**
 * The Redis Streams event log: one stream shared by every hub node, positions from one atomic sequence.
 * `ioredis` (an optional peer dependency) is loaded only when this backend is opened.
 *
 * Layout (all keys share the hash tag `{<prefix>}` so a Redis Cluster keeps them on one slot, as the
 * scripts need): `{p}:stream` the entries, `{p}:seq` the last position, `{p}:ids` the id index. See
 * `redis-scripts.ts` for how append, trimming and the index stay atomic.
 * @module
 */
import type { Redis, RedisOptions } from 'ioredis';
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
import { OpenWork } from './open-work.js';
import { importDriver } from './optional-dependency.js';
import type { PresenceStore } from './presence-store.js';
import { createRedisPresenceStore } from './redis-presence.js';
import { APPEND_SCRIPT, TRIM_SCRIPT } from './redis-scripts.js';
import { separateRetentionUnsupported } from './separate-retention.js';

/** Options of {@link createRedisLog}. */
export interface RedisLogOptions extends LogOptions {
  /** Prefix of every key, one log per prefix (one per hub cluster). @defaultValue 'hotline' */
  prefix?: string;
  /**
   * How long an append or read may wait for Redis before it fails with `HOTLINE_LOG_UNAVAILABLE`: a
   * stalled server must not hang publishers. @defaultValue 500
   */
  commandTimeoutMs?: number;
  /** How long a follower's `XREAD` blocks before it asks again. @defaultValue 5000 */
  blockMs?: number;
}

const DEFAULTS = Object.freeze({ prefix: 'hotline', commandTimeoutMs: 500, blockMs: 5000, readBatch: 512 });
/** Reconnect quickly while the engine is away (ioredis' default backs off to 2s). */
const retryStrategy = (attempt: number) => Math.min(attempt * 50, 500);

type ScriptedRedis = Redis & {
  hotlineAppend(...args: (string | number)[]): Promise<string>;
  hotlineTrim(...args: (string | number)[]): Promise<number>;
};
/** `XRANGE`/`XREAD` entries: `[entryId, [field, value, …]]`. */
type Entry = [string, string[]];

/**
 * Opens (creating when needed) the Redis event log at `url` (`redis://[:password@]host:port[/db]`,
 * `rediss://` for TLS). Rejects with `HOTLINE_LOG_UNAVAILABLE` when Redis cannot be reached.
 */
export async function createRedisLog(url: string, options: RedisLogOptions = {}): Promise<EventLog> {
  const retention = resolveRetention(options);
  if (retention.separate !== undefined) throw separateRetentionUnsupported('redis');
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (prefix === '' || /[{}]/.test(prefix)) {
    throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', 'the Redis key prefix must be non-empty, without { or }');
  }
  const { Redis } = await importDriver('ioredis', 'Redis', () => import('ioredis'));
  const base: RedisOptions = {
    lazyConnect: true,
    retryStrategy,
    // Appends fail at once while disconnected instead of queueing (a publisher must get its 503 now),
    // and an append in flight when the link drops is not silently re-sent after reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
  };
  const redis = new Redis(url, base) as ScriptedRedis;
  redis.on('error', () => {
    // Connection errors surface through health() and rejected commands; without a listener ioredis
    // would print each reconnect failure.
  });
  try {
    await redis.connect();
  } catch (cause) {
    redis.disconnect();
    throw unavailable('cannot connect to Redis', cause);
  }
  redis.defineCommand('hotlineAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
  redis.defineCommand('hotlineTrim', { numberOfKeys: 3, lua: TRIM_SCRIPT });
  // Followers block, so each gets its own connection; these queue while offline and wait for Redis
  // instead of failing, because a follower must outlive an outage. The XREAD in flight at a disconnect
  // is re-sent as is after reconnect (ioredis would otherwise drop it unsettled): its start position is
  // still the last delivered one, so the re-sent read is the catch-up.
  const openFollowerConnection = () =>
    redis.duplicate({
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResendUnfulfilledCommands: true,
      commandTimeout: undefined,
    });
  return new RedisLog(redis, openFollowerConnection, prefix, retention, {
    blockMs: options.blockMs ?? DEFAULTS.blockMs,
    onFollowerError: options.onFollowerError,
  });
}

class RedisLog implements EventLog {
  readonly kind = 'redis';
  readonly #redis: ScriptedRedis;
  readonly #openFollowerConnection: () => Redis;
  readonly #keys: [stream: string, seq: string, ids: string];
  readonly #prefix: string;
  #presence: PresenceStore | undefined;
  readonly #retention: Retention;
  readonly #following: FollowingOptions;
  readonly #work = new OpenWork<RedisFollower>();
  #closed = false;
  // Every subscribe without a Last-Event-ID asks for the newest update (its Last-Event-ID header): a
  // connect storm shares reads instead of queueing one command per subscriber past the timeout.
  readonly head = coalescedRead(() => this.#head());
  readonly last = coalescedRead(() => this.#last());

  constructor(
    redis: ScriptedRedis,
    openFollowerConnection: () => Redis,
    prefix: string,
    retention: Retention,
    following: FollowingOptions,
  ) {
    this.#redis = redis;
    this.#openFollowerConnection = openFollowerConnection;
    this.#keys = [`{${prefix}}:stream`, `{${prefix}}:seq`, `{${prefix}}:ids`];
    this.#prefix = prefix;
    this.#retention = retention;
    this.#following = following;
  }

  append(update: NewUpdate): Promise<StoredUpdate> {
    if (this.#closed) return Promise.reject(unavailable('the Redis log is closed'));
    const encoded = encodeUpdate(update);
    const appended = this.#redis
      .hotlineAppend(...this.#keys, update.id, update.publishedAt, encoded, this.#retention.maxEvents, this.#cutoff())
      .then(
        (digits): StoredUpdate => ({ ...update, type: update.type, retry: update.retry, position: Number(digits) }),
        (cause: unknown) => {
          throw unavailable('Redis did not store the update', cause);
        },
      );
    return this.#work.append(appended);
  }

  async readAfter(after: number, limit: number): Promise<StoredUpdate[]> {
    if (limit <= 0) return [];
    await this.#trimByAge();
    const entries = (await this.#call(() =>
      this.#redis.xrange(this.#keys[0], `(0-${after}`, '+', 'COUNT', limit),
    )) as Entry[];
    return entries.map(toUpdate);
  }

  async readBefore(before: number, limit: number): Promise<StoredUpdate[]> {
    if (limit <= 0 || before <= 1) return [];
    await this.#trimByAge();
    const entries = (await this.#call(() =>
      this.#redis.xrevrange(this.#keys[0], `(0-${before}`, '-', 'COUNT', limit),
    )) as Entry[];
    return entries.map(toUpdate);
  }

  async findPosition(id: string): Promise<number | undefined> {
    await this.#trimByAge();
    // Members are `<id>\0<digits>`; every one of this id sorts after `<id>\0` and before `<id>\x01`.
    const [member] = await this.#call(() =>
      this.#redis.zrangebylex(this.#keys[2], `(${id}\0`, `(${id}\x01`, 'LIMIT', 0, 1),
    );
    return member === undefined ? undefined : Number(member.slice(id.length + 1));
  }

  async #head(): Promise<number> {
    const value = await this.#call(() => this.#redis.get(this.#keys[1]));
    return value === null ? 0 : Number(value);
  }

  async #last(): Promise<StoredUpdate | undefined> {
    await this.#trimByAge();
    const [entry] = (await this.#call(() => this.#redis.xrevrange(this.#keys[0], '+', '-', 'COUNT', 1))) as Entry[];
    return entry === undefined ? undefined : toUpdate(entry);
  }

  async size(): Promise<number> {
    await this.#trimByAge();
    return this.#call(() => this.#redis.xlen(this.#keys[0]));
  }

  follow(after: number, listener: (update: StoredUpdate) => void): LogFollower {
    if (this.#closed) throw unavailable('the Redis log is closed');
    const cursor = new FollowerCursor(this.kind, after, listener, this.#following.onFollowerError);
    return this.#work.follower(
      new RedisFollower(this.#openFollowerConnection(), this.#keys[0], cursor, this.#following.blockMs),
    );
  }

  presence(): PresenceStore {
    this.#presence ??= createRedisPresenceStore(this.#redis, this.#prefix);
    return this.#presence;
  }

  async health(): Promise<LogHealth> {
    if (this.#closed) return { ok: false, detail: 'closed' };
    if (this.#redis.status !== 'ready') return { ok: false, detail: `redis connection ${this.#redis.status}` };
    try {
      await this.#redis.ping();
      return { ok: true };
    } catch {
      return { ok: false, detail: 'redis does not answer PING' };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#work.finish();
    // QUIT waits for replies to commands already sent; when Redis is away there is nothing to wait for.
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }

  #cutoff(): number {
    return this.#retention.maxAgeMs > 0 ? Date.now() - this.#retention.maxAgeMs : 0;
  }

  /** Age limits need a clock, so they are applied on every read, not only by appends. */
  async #trimByAge(): Promise<void> {
    if (this.#retention.maxAgeMs === 0) return;
    await this.#call(() => this.#redis.hotlineTrim(...this.#keys, this.#retention.maxEvents, this.#cutoff()));
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (cause) {
      throw unavailable('Redis did not answer', cause);
    }
  }
}

interface FollowingOptions {
  readonly blockMs: number;
  readonly onFollowerError: FollowerErrorHandler | undefined;
}

/**
 * One follower: `XREAD BLOCK` on its own connection from the last delivered position. After any error
 * or reconnect the next read starts from the cursor again, so the stream itself is the catch-up.
 */
class RedisFollower implements LogFollower {
  readonly done: Promise<void>;
  readonly #connection: Redis;
  readonly #stream: string;
  readonly #cursor: FollowerCursor;
  readonly #blockMs: number;
  #closed = false;
  #stopped: () => void = () => {};

  constructor(connection: Redis, stream: string, cursor: FollowerCursor, blockMs: number) {
    this.#connection = connection;
    this.#connection.on('error', () => {
      // Reconnects are retried by ioredis; the read loop below waits for them.
    });
    this.#stream = stream;
    this.#cursor = cursor;
    this.#blockMs = blockMs;
    // Closing settles `done` at once, whatever the read in flight does with its disconnected connection.
    this.done = Promise.race([this.#run(), new Promise<void>((resolve) => (this.#stopped = resolve))]);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopped();
    // Interrupts a blocked XREAD at once; the loop sees #closed and ends.
    this.#connection.disconnect();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      let reply: [string, Entry[]][] | null;
      try {
        reply = (await this.#connection.xread(
          'COUNT',
          DEFAULTS.readBatch,
          'BLOCK',
          this.#blockMs,
          'STREAMS',
          this.#stream,
          `0-${this.#cursor.delivered}`,
        )) as [string, Entry[]][] | null;
      } catch {
        if (this.#closed) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      for (const entry of reply?.[0]?.[1] ?? []) {
        if (this.#closed) return;
        this.#cursor.deliverEntry(Number(entry[0].slice(2)), () => toUpdate(entry));
      }
    }
  }
}

function toUpdate([entryId, fields]: Entry): StoredUpdate {
  const position = Number(entryId.slice(2));
  // Field names sit at even indexes; a value may itself be the string 'u'.
  let json = '';
  for (let f = 0; f < fields.length; f += 2) if (fields[f] === 'u') json = fields[f + 1] ?? '';
  return decodeUpdate(json, position);
}

function unavailable(message: string, cause?: unknown): HotlineError {
  return new HotlineError('HOTLINE_LOG_UNAVAILABLE', message, { cause });
}
