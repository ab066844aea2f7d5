/**
 * Opens the event log of `hotline serve`, and says which path or URL failed when it cannot: better-sqlite3
 * reports "unable to open database file" without naming the file.
 * @module
 */
import { dirname } from 'node:path';
import { HotlineError } from '../errors.js';
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
