/**
 * A relayed log: the {@link EventLog} of a process that does not own the hub's memory or SQLite log
 * (`hotline serve --workers`). Appends and history reads go to the owner (`relay-owner.ts`) over a
 * {@link RelayChannel}; each appended update arrives once per process and is handed to this process's
 * followers, so every process sees the owner's positions, in the owner's order, and a subscriber resumes
 * on any of them. Presence goes to the owner's one store, so the hub lists each subscription once.
 * @module
 */
import { HOTLINE_ERROR_CODES, HotlineError, type HotlineErrorCode } from '../../errors.js';
import type { NewUpdate, StoredUpdate } from '../update.js';
import type { EventLog, FollowerErrorHandler, LogFollower, LogHealth } from './event-log.js';
import { LocalFollowers } from './local-followers.js';
import { PRESENCE_PAGE, type PresenceStore } from './presence-store.js';
import { RELAY_TAG, type RelayChannel } from './relay-channel.js';

/** Options of {@link createRelayLog}. */
export interface RelayLogOptions {
  /** Told when one of this process's followers throws; see {@link EventLog.follow}. */
  onFollowerError?: FollowerErrorHandler;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Connects to the owner at the other end of `channel`; resolves once it has answered. */
export async function createRelayLog(channel: RelayChannel, options: RelayLogOptions = {}): Promise<EventLog> {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let gone: Error | undefined;
  const call = <T>(op: string, ...args: unknown[]): Promise<T> => {
    if (gone !== undefined) return Promise.reject(gone);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      channel.send({ hotline: RELAY_TAG, kind: 'request', id, op, args });
    });
  };
  let followers: LocalFollowers | undefined;
  const stop = channel.onMessage((message) => {
    if (message.kind === 'updates') {
      for (const update of message.updates) followers?.publish(update as StoredUpdate);
      return;
    }
    if (message.kind === 'request') return;
    const waiting = pending.get(message.id);
    if (waiting === undefined) return;
    pending.delete(message.id);
    if (message.kind === 'reply') waiting.resolve(message.value);
    else waiting.reject(relayedError(message.message, message.code));
  });
  channel.onClose(() => {
    gone = new HotlineError('HOTLINE_HUB_STORAGE_UNAVAILABLE', 'the process that owns the log is gone');
    for (const waiting of pending.values()) waiting.reject(gone);
    pending.clear();
  });
  const kind = await call<string>('kind');
  followers = new LocalFollowers(
    kind,
    (after) => call<StoredUpdate[]>('readAfter', after, Number.POSITIVE_INFINITY),
    options.onFollowerError,
  );
  const presence = relayedPresence(call);
  const log: EventLog = {
    kind,
    append: (update: NewUpdate) => call<StoredUpdate>('append', update),
    readAfter: (after, limit) => call<StoredUpdate[]>('readAfter', after, limit),
    readBefore: (before, limit) => call<StoredUpdate[]>('readBefore', before, limit),
    findPosition: (id) => call<number | undefined>('findPosition', id),
    head: () => call<number>('head'),
    last: () => call<StoredUpdate | undefined>('last'),
    size: () => call<number>('size'),
    follow: (after: number, listener: (update: StoredUpdate) => void): LogFollower =>
      (followers as LocalFollowers).add(after, listener),
    health: () =>
      gone === undefined ? call<LogHealth>('health') : Promise.resolve({ ok: false, detail: gone.message }),
    presence: () => presence,
    async close() {
      followers?.closeAll();
      stop();
      // The owner's log stays open: it closes when the owner does.
    },
  };
  return log;
}

function relayedPresence(call: <T>(op: string, ...args: unknown[]) => Promise<T>): PresenceStore {
  return {
    put: (node, key, value) => call('presence.put', node, key, value),
    delete: (node, key) => call('presence.delete', node, key),
    renew: (node, leaseMs) => call('presence.renew', node, leaseMs),
    async *values() {
      const pages = await call<string[][]>('presence.values');
      for (const page of pages) {
        for (let i = 0; i < page.length; i += PRESENCE_PAGE) yield page.slice(i, i + PRESENCE_PAGE);
      }
    },
    holders: (key) => call('presence.holders', key),
    reap: () => call('presence.reap'),
    leave: (node) => call('presence.leave', node),
  };
}

/** The owner's error, with its Hotline code when it had one. */
function relayedError(message: string, code: string | undefined): Error {
  if (code !== undefined && Object.hasOwn(HOTLINE_ERROR_CODES, code)) {
    return new HotlineError(code as HotlineErrorCode, message);
  }
  return new Error(message);
}
