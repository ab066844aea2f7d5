/**
 * Opens an event log from a URL-like spec, the way `hotline serve --log` names one:
 * `memory`, `sqlite:<path>` (or a bare path ending in `.db`/`.sqlite`), `redis://host:port[?name=prefix]`,
 * `nats://host:port[?name=stream]`.
 * Redis and NATS clients are loaded only when asked for.
 * @module
 */
import { HotlineError } from '../../errors.js';
import type { EventLog, LogOptions } from './event-log.js';
import { createMemoryLog } from './memory.js';
import { createSqliteLog } from './sqlite.js';

export async function openLog(spec: string, options: LogOptions = {}): Promise<EventLog> {
  if (spec === 'memory') return createMemoryLog(options);
  if (spec.startsWith('sqlite:')) return createSqliteLog(spec.slice('sqlite:'.length), options);
  if (/\.(db|sqlite|sqlite3)$/.test(spec)) return createSqliteLog(spec, options);
  // Loaded on demand: a hub on memory or SQLite never loads a Redis or NATS client.
  // `?name=` picks the log on a shared engine (a Redis key prefix, a JetStream stream): one per cluster.
  if (spec.startsWith('redis://') || spec.startsWith('rediss://')) {
    const { url, name } = splitName(spec);
    const { createRedisLog } = await import('./redis.js');
    return createRedisLog(url, { ...options, ...(name === undefined ? {} : { prefix: name }) });
  }
  if (spec.startsWith('nats://') || spec.startsWith('tls://')) {
    const { url, name } = splitName(spec);
    const { createNatsLog } = await import('./nats.js');
    return createNatsLog(url, { ...options, ...(name === undefined ? {} : { stream: name }) });
  }
  throw new HotlineError(
    'HOTLINE_HUB_INVALID_OPTIONS',
    `unknown log ${JSON.stringify(spec)}: use memory, sqlite:<path>, redis://host:port or nats://host:port`,
  );
}

function splitName(spec: string): { url: string; name: string | undefined } {
  const url = new URL(spec);
  const name = url.searchParams.get('name') ?? undefined;
  url.searchParams.delete('name');
  return { url: url.toString(), name };
}
