/**
 * The SQLite event log (`better-sqlite3`): the hub's durable default. One file, WAL mode, one process.
 * With separate retention (`separate-retention.ts`) each row carries its lane, and each lane is trimmed to
 * its own budget.
 *
 * Durability: WAL with `synchronous = NORMAL` by default — a committed update survives a crash or a
 * `kill -9` of the hub (the WAL is in the OS page cache), not a power loss; `synchronous: 'full'` adds an
 * fsync per publish for that. Two hub processes must not share one file: use Redis or NATS for that.
 * @module
 */

import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { NewUpdate, StoredUpdate } from '../update.js';
import {
  type EventLog,
  type FollowerErrorHandler,
  type LogFollower,
  type LogHealth,
  type LogOptions,
  type Retention,
  resolveRetention,
} from './event-log.js';
import { LocalFollowers } from './local-followers.js';
import { makeDirectory } from './make-directory.js';
import { requireDriver } from './optional-dependency.js';

/** Options of {@link createSqliteLog}. */
export interface SqliteLogOptions extends LogOptions {
  /** `'normal'` survives process crashes; `'full'` also power loss, at an fsync per publish. @defaultValue 'normal' */
  synchronous?: 'normal' | 'full';
}

interface Row {
  position: number;
  id: string;
  topics: string;
  data: string;
  private: number;
  type: string | null;
  retry: number | null;
  published_at: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS updates (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    topics TEXT NOT NULL,
    data TEXT NOT NULL,
    private INTEGER NOT NULL,
    type TEXT,
    retry INTEGER,
    published_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS updates_by_id ON updates (id, position);
  CREATE INDEX IF NOT EXISTS updates_by_age ON updates (published_at);
`;

/**
 * The share an update is kept in: 0 for the log's own budget, 1 for the separate one (see
 * `separate-retention.ts`). Added to files made before separate retention existed; their rows are 0.
 */
const LANE_COLUMN = 'lane INTEGER NOT NULL DEFAULT 0';
const LANE_INDEX = 'CREATE INDEX IF NOT EXISTS updates_by_lane ON updates (lane, position)';

/**
 * Opens (creating it if needed) the SQLite event log at `path` (`:memory:` for a throwaway one).
 * AUTOINCREMENT keeps positions increasing forever, even after the newest rows were trimmed, so a
 * resuming subscriber can never mistake a new update for one it has seen.
 */
export function createSqliteLog(path: string, options: SqliteLogOptions = {}): EventLog {
  // Loaded here, not imported: better-sqlite3 is an optional (native) peer dependency.
  const Database = requireDriver<typeof BetterSqlite3>('better-sqlite3', 'SQLite');
  if (path !== ':memory:') makeDirectory(dirname(path));
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.exec(SCHEMA);
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(updates)').all();
  if (!columns.some((column) => column.name === 'lane')) db.exec(`ALTER TABLE updates ADD COLUMN ${LANE_COLUMN}`);
  db.exec(LANE_INDEX);
  return new SqliteLog(db, resolveRetention(options), options.onFollowerError);
}

class SqliteLog implements EventLog {
  readonly kind = 'sqlite';
  readonly #db: BetterSqlite3.Database;
  readonly #retention: Retention;
  readonly #followers: LocalFollowers;
  readonly #statements;
  /** Rows per lane, kept in step by every insert and delete, with separate retention only. */
  readonly #laneSizes = [0, 0];
  #closed = false;

  constructor(db: BetterSqlite3.Database, retention: Retention, onFollowerError: FollowerErrorHandler | undefined) {
    this.#db = db;
    this.#retention = retention;
    this.#statements = {
      insert: db.prepare<[string, string, string, number, string | null, number | null, number, number]>(
        'INSERT INTO updates (id, topics, data, private, type, retry, published_at, lane) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      after: db.prepare<[number, number], Row>('SELECT * FROM updates WHERE position > ? ORDER BY position LIMIT ?'),
      before: db.prepare<[number, number], Row>(
        'SELECT * FROM updates WHERE position < ? ORDER BY position DESC LIMIT ?',
      ),
      findId: db.prepare<[string], { position: number }>(
        'SELECT position FROM updates WHERE id = ? ORDER BY position LIMIT 1',
      ),
      head: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'updates'"),
      last: db.prepare<[], Row>('SELECT * FROM updates ORDER BY position DESC LIMIT 1'),
      size: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM updates'),
      trimCount: db.prepare<[number]>('DELETE FROM updates WHERE position <= ?'),
      trimAge: db.prepare<[number]>('DELETE FROM updates WHERE published_at < ?'),
      // With separate retention: the oldest `excess` rows of one lane, found through (lane, position).
      trimLane: db.prepare<[number, number, number]>(
        'DELETE FROM updates WHERE lane = ? AND position <= (SELECT position FROM updates WHERE lane = ? ORDER BY position LIMIT 1 OFFSET ?)',
      ),
      trimAgeByLane: db.prepare<[number], { lane: number }>(
        'DELETE FROM updates WHERE published_at < ? RETURNING lane',
      ),
      laneSizes: db.prepare<[], { lane: number; n: number }>('SELECT lane, count(*) AS n FROM updates GROUP BY lane'),
    };
    if (retention.separate !== undefined) {
      for (const { lane, n } of this.#statements.laneSizes.all()) this.#laneSizes[lane === 1 ? 1 : 0]! += n;
    }
    this.#followers = new LocalFollowers(this.kind, async (after) => this.#readAfter(after, -1), onFollowerError);
  }

  async append(update: NewUpdate): Promise<StoredUpdate> {
    this.#assertOpen();
    const lane = this.#retention.separate?.covers(update.topics) === true ? 1 : 0;
    const result = this.#statements.insert.run(
      update.id,
      JSON.stringify(update.topics),
      update.data,
      update.private ? 1 : 0,
      update.type ?? null,
      update.retry ?? null,
      update.publishedAt,
      lane,
    );
    const stored: StoredUpdate = {
      ...update,
      type: update.type,
      retry: update.retry,
      position: Number(result.lastInsertRowid),
    };
    this.#trim(stored.position, lane);
    this.#followers.publish(stored);
    return stored;
  }

  async readAfter(after: number, limit: number): Promise<StoredUpdate[]> {
    this.#assertOpen();
    this.#trimAge();
    return this.#readAfter(after, limit);
  }

  async readBefore(before: number, limit: number): Promise<StoredUpdate[]> {
    this.#assertOpen();
    if (limit <= 0) return [];
    this.#trimAge();
    return this.#statements.before.all(before, limit).map(fromRow);
  }

  async findPosition(id: string): Promise<number | undefined> {
    this.#assertOpen();
    this.#trimAge();
    return this.#statements.findId.get(id)?.position;
  }

  async head(): Promise<number> {
    this.#assertOpen();
    return this.#statements.head.get()?.seq ?? 0;
  }

  async last(): Promise<StoredUpdate | undefined> {
    this.#assertOpen();
    this.#trimAge();
    const row = this.#statements.last.get();
    return row === undefined ? undefined : fromRow(row);
  }

  async size(): Promise<number> {
    this.#assertOpen();
    this.#trimAge();
    return this.#statements.size.get()?.n ?? 0;
  }

  follow(after: number, listener: (update: StoredUpdate) => void): LogFollower {
    return this.#followers.add(after, listener);
  }

  async health(): Promise<LogHealth> {
    if (this.#closed) return { ok: false, detail: 'closed' };
    try {
      this.#statements.size.get();
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: `sqlite: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#followers.closeAll();
    this.#db.close();
  }

  #readAfter(after: number, limit: number): StoredUpdate[] {
    // SQLite reads LIMIT -1 as "no limit".
    return this.#statements.after.all(after, Number.isFinite(limit) ? limit : -1).map(fromRow);
  }

  #trim(newest: number, lane: 0 | 1): void {
    const { maxEvents, separate } = this.#retention;
    if (separate === undefined) {
      // One lane: positions are contiguous (AUTOINCREMENT, one INSERT per transaction), so the cut is arithmetic.
      if (maxEvents > 0 && newest > maxEvents) this.#statements.trimCount.run(newest - maxEvents);
    } else {
      // Two lanes interleave their positions: count instead, and cut the oldest rows of the lane that grew.
      this.#laneSizes[lane]!++;
      const budget = lane === 1 ? separate.maxEvents : maxEvents;
      const excess = budget > 0 ? this.#laneSizes[lane]! - budget : 0;
      if (excess > 0) this.#laneSizes[lane]! -= this.#statements.trimLane.run(lane, lane, excess - 1).changes;
    }
    this.#trimAge();
  }

  #trimAge(): void {
    if (this.#retention.maxAgeMs <= 0) return;
    const cutoff = Date.now() - this.#retention.maxAgeMs;
    if (this.#retention.separate === undefined) {
      this.#statements.trimAge.run(cutoff);
      return;
    }
    for (const { lane } of this.#statements.trimAgeByLane.all(cutoff)) this.#laneSizes[lane === 1 ? 1 : 0]!--;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the SQLite log is closed');
  }
}

function fromRow(row: Row): StoredUpdate {
  return {
    id: row.id,
    topics: JSON.parse(row.topics) as string[],
    data: row.data,
    private: row.private === 1,
    type: row.type ?? undefined,
    retry: row.retry ?? undefined,
    publishedAt: row.published_at,
    position: row.position,
  };
}
