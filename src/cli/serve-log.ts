/**
 * Opens the event log of `hotline serve`, and says which path or URL failed when it cannot: better-sqlite3
 * reports "unable to open database file" without naming the file.
 * @module
 */
import { dirname } from 'node:path';
import { HotlineError } from '../errors.js';
import { DEMO_DEFAULTS, demoRetentionTopics } from '../hub/dashboard/index.js';
import type { EventLog, LogOptions } from '../hub/log/event-log.js';
import { makeDirectory } from '../hub/log/make-directory.js';
import { openLog } from '../hub/log/open-log.js';
import { CliError, sqlitePath } from './fail.js';

export async function openServeLog(spec: string, options: LogOptions): Promise<EventLog> {
  const path = sqlitePath(spec);
  try {
    if (path !== undefined && path !== ':memory:') makeDirectory(dirname(path));
    return await openLog(spec, options);
  } catch (error) {
    if (path === undefined || error instanceof HotlineError) throw error;
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    throw new CliError(
      `cannot open the SQLite log ${path} (${reason}) — pick a path you can write with --data-dir or --log sqlite:<path>`,
      1,
      { cause: error },
    );
  }
}

/**
 * The demo's own history budget, when the demo runs: its ~7 updates/s would otherwise evict the user's
 * updates from a 10,000-update history in about 21 minutes. Only the memory and SQLite logs keep shares
 * apart; on Redis and NATS the demo shares the budget, and `note` says so.
 */
export function demoRetention(
  spec: string,
  demoHistoryMaxEvents: number | undefined,
): { options: Pick<LogOptions, 'separate'>; note?: string } {
  if (demoHistoryMaxEvents === undefined) return { options: {} };
  if (spec !== 'memory' && sqlitePath(spec) === undefined) {
    return {
      options: {},
      note: 'the demo shares the history budget on this log: separate retention needs the memory or SQLite log',
    };
  }
  return {
    options: { separate: { topics: demoRetentionTopics(DEMO_DEFAULTS.user), maxEvents: demoHistoryMaxEvents } },
  };
}
