/**
 * Channels: fan-out of one event to many sessions. A broadcast is serialized ONCE and the same bytes are
 * queued on every subscriber; the per-turn flush queue turns a burst of broadcasts into one write per
 * subscriber. Order per subscriber is the broadcast order.
 * @module
 */
import {
  DEFAULT_EVENT_TYPE,
  type EventSchemas,
  encodeEvent,
  type InferInput,
  typedEventData,
} from '../protocol/index.js';
import { CHANNEL_DEFAULTS } from './defaults.js';
import type { ChannelMessage, SendFields, Session, TypedSendFields } from './types.js';

export interface ChannelOptions {
  /** Events kept to replay to subscribers that resume with a `Last-Event-ID`. @defaultValue 0 */
  history?: number;
  /** Typed events: `broadcast` validates data against the schema of its event type (see `SessionOptions`). */
  schemas?: EventSchemas;
}

export interface SubscribeOptions<M> {
  /** Receives each broadcast; return false to skip this subscriber. */
  filter?: (message: ChannelMessage<M>) => boolean;
  /** Replay history after this id. @defaultValue the session's `lastEventId` */
  lastEventId?: string;
}

export interface Channel<M = unknown> {
  /** Adds a session (replaying history after its last event id); returns the unsubscribe function. */
  subscribe(session: Session, options?: SubscribeOptions<M>): () => void;
  /** Sends an event to every subscriber; returns how many it was queued for. */
  broadcast(data: unknown, fields?: SendFields & { meta?: M }): number;
  readonly size: number;
  /** Closes every subscribed session and forgets history. */
  close(): void;
}

/** A channel created with `schemas`: `broadcast` accepts, per event type, only what its schema accepts. */
export interface TypedChannel<S extends EventSchemas, M = unknown> extends Omit<Channel<M>, 'broadcast'> {
  /** Validates `data` against `schemas[fields.event]` (throws `SchemaError`), then sends it to every subscriber. */
  broadcast<K extends keyof S & string>(data: InferInput<S[K]>, fields: TypedSendFields<K> & { meta?: M }): number;
}

interface Entry<M> {
  readonly message: ChannelMessage<M>;
  readonly frame: Uint8Array;
}

export function createChannel<S extends EventSchemas, M = unknown>(
  options: ChannelOptions & { schemas: S },
): TypedChannel<S, M>;
export function createChannel<M = unknown>(options?: ChannelOptions): Channel<M>;
export function createChannel<M = unknown>(options: ChannelOptions = {}): Channel<M> {
  const historyLimit = options.history ?? CHANNEL_DEFAULTS.history;
  if (!Number.isSafeInteger(historyLimit) || historyLimit < 0)
    throw new RangeError('history must be a non-negative integer');
  const subscribers = new Map<Session, ((message: ChannelMessage<M>) => boolean) | undefined>();
  let history: Entry<M>[] = [];

  function replay(
    session: Session,
    lastEventId: string,
    filter: ((m: ChannelMessage<M>) => boolean) | undefined,
  ): void {
    // The array may hold up to twice the limit (it is trimmed in batches); replay only the limit.
    const kept = history.length > historyLimit ? history.slice(-historyLimit) : history;
    let start = 0;
    for (let i = kept.length - 1; i >= 0; i--) {
      if (kept[i]!.message.id === lastEventId) {
        start = i + 1;
        break;
      }
    }
    // An id no longer (or never) in history replays all of it: the client may have missed any of it.
    for (const entry of kept.slice(start)) {
      if (filter === undefined || filter(entry.message)) session.writeFrame(entry.frame);
    }
  }

  return {
    subscribe(session, subscribeOptions = {}) {
      if (session.closed) return () => {};
      const filter = subscribeOptions.filter;
      const lastEventId = subscribeOptions.lastEventId ?? session.lastEventId;
      if (lastEventId !== undefined && history.length > 0) replay(session, lastEventId, filter);
      subscribers.set(session, filter);
      const unsubscribe = () => {
        subscribers.delete(session);
        session.off('close', unsubscribe);
      };
      session.on('close', unsubscribe);
      return unsubscribe;
    },
    broadcast(data, fields = {}) {
      const { meta, key, ...eventFields } = fields;
      // Throws for bad data or invalid fields before any subscriber sees anything.
      const payload =
        options.schemas === undefined
          ? data
          : typedEventData(options.schemas, fields.event ?? DEFAULT_EVENT_TYPE, data);
      const frame = encodeEvent({ ...eventFields, data: payload });
      const message: ChannelMessage<M> = { data, event: eventFields.event, id: eventFields.id, meta };
      if (historyLimit > 0 && eventFields.id !== undefined) {
        history.push({ message, frame });
        if (history.length > historyLimit * 2) history = history.slice(-historyLimit);
      }
      let queued = 0;
      for (const [session, filter] of subscribers) {
        if (filter !== undefined && !filter(message)) continue;
        if (session.writeFrame(frame, key)) queued++;
      }
      return queued;
    },
    get size() {
      return subscribers.size;
    },
    close() {
      for (const session of [...subscribers.keys()]) session.close();
      subscribers.clear();
      history = [];
    },
  };
}
