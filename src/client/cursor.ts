/**
 * Cursor stores: where `connect()` keeps the last event id, so a reloaded page or a restarted process
 * resumes where it left off instead of starting over or missing what happened meanwhile.
 * @module
 */

/**
 * Keeps the last event id. Both methods may be async. `set` gets the last event ID string of HTML §9.2.6:
 * the id as of each blank line that changes it, an id-only block's (`id: 7` then a blank line) included, as
 * that is what a reconnection resumes from; never the id of a block the stream cut off before its blank
 * line, and never `''` (a server's reset of the id leaves the stored position as it was).
 */
export interface CursorStore {
  get(): string | undefined | null | Promise<string | undefined | null>;
  set(id: string): void | Promise<void>;
}

/** A cursor kept in memory (survives reconnects, not restarts). */
export function memoryCursor(initial?: string): CursorStore {
  let id = initial;
  return {
    get: () => id,
    set: (next) => {
      id = next;
    },
  };
}

/** The part of the Web Storage API a cursor needs (`localStorage`, `sessionStorage`). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** A cursor in `localStorage` (survives reloads and restarts) or `sessionStorage` (one tab). */
export function storageCursor(storage: StorageLike, key: string): CursorStore {
  return {
    get: () => storage.getItem(key),
    set: (id) => storage.setItem(key, id),
  };
}
