/**
 * Opens an event log from a URL-like spec, the way `hotline serve --log` names one:
 * `memory`, `sqlite:<path>` (or a bare path ending in `.db`/`.sqlite`), `redis://…`, `nats://…`.
 * Redis and NATS clients are loaded only when asked for.
 * @module
 */
import { HotlineError } from '../../errors.js';
import type { EventLog, RetentionOptions } from './event-log.js';
import { createMemoryLog } from './memory.js';
import { createSqliteLog } from './sqlite.js';

export async function openLog(spec: string, retention: RetentionOptions = {}): Promise<EventLog> {
  if (spec === 'memory') return createMemoryLog(retention);
  if (spec.startsWith('sqlite:')) return createSqliteLog(spec.slice('sqlite:'.length), retention);
  if (/\.(db|sqlite|sqlite3)$/.test(spec)) return createSqliteLog(spec, retention);
  throw new HotlineError(
    'HOTLINE_HUB_INVALID_OPTIONS',
    `unknown log ${JSON.stringify(spec)}: use memory, sqlite:<path>, redis://host:port or nats://host:port`,
  );
}
