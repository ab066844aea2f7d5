/**
 * Cursor stores: where `connect()` keeps the last event id, so a reloaded page or a restarted process
 * resumes where it left off instead of starting over or missing what happened meanwhile.
 * @module
 */

/** Keeps the last event id. Both methods may be async. */
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
