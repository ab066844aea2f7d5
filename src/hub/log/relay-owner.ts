/**
 * The owner's side of a relayed log: the one process that opens a memory or SQLite log serves every other
 * process of the hub (`hotline serve --workers`) over a {@link RelayChannel}. It answers their reads and
 * appends, keeps the hub's one presence record, and follows its log once, sending each appended update
 * to each relaying process once — not once per subscriber — in log order.
 * @module
 */
import type { NewUpdate, StoredUpdate } from '../update.js';
import type { EventLog } from './event-log.js';
import { createMemoryPresenceStore, type PresenceStore } from './presence-store.js';
import { RELAY_TAG, type RelayChannel, type RelayMessage } from './relay-channel.js';

/** The owner of a relayed log, from {@link serveRelay}. */
export interface RelayOwner {
  /** Serves one relaying process; returns a function that stops serving it. */
  attach(channel: RelayChannel): () => void;
  /** Stops following the log and serving every channel; the log itself stays open. */
  close(): void;
}

type Operation = (...args: never[]) => Promise<unknown>;

/** Serves `log` to relaying processes; presence lives here too, in one store for all of them. */
export async function serveRelay(
  log: EventLog,
  presence: PresenceStore = createMemoryPresenceStore(),
): Promise<RelayOwner> {
  const channels = new Set<RelayChannel>();
  const operations = new Map<string, Operation>([
    ['kind', async () => log.kind],
    ['append', (update: NewUpdate) => log.append(update)],
    ['readAfter', (after: number, limit: number) => log.readAfter(after, limit)],
    ['readBefore', (before: number, limit: number) => log.readBefore(before, limit)],
    ['findPosition', (id: string) => log.findPosition(id)],
    ['head', () => log.head()],
    ['last', () => log.last()],
    ['size', () => log.size()],
    ['health', () => log.health()],
    ['presence.put', (node: string, key: string, value: string) => presence.put(node, key, value)],
    ['presence.delete', (node: string, key: string) => presence.delete(node, key)],
    ['presence.renew', (node: string, leaseMs: number) => presence.renew(node, leaseMs)],
    ['presence.values', () => collectPages(presence.values())],
    ['presence.holders', (key: string) => presence.holders(key)],
    ['presence.reap', () => presence.reap()],
    ['presence.leave', (node: string) => presence.leave(node)],
  ]);
  // Updates appended in one turn go out as one message per process; queued as a microtask, so an append's
  // reply (sent when its promise settles, later) never overtakes the update it stored.
  let batch: StoredUpdate[] = [];
  const flush = () => {
    const message: RelayMessage = { hotline: RELAY_TAG, kind: 'updates', updates: batch };
    batch = [];
    for (const channel of channels) channel.send(message);
  };
  const follower = log.follow(await log.head(), (update) => {
    if (batch.push(update) === 1) queueMicrotask(flush);
  });

  return {
    attach(channel) {
      channels.add(channel);
      const stop = channel.onMessage((message) => {
        if (message.kind !== 'request') return;
        void answer(operations, channel, message.id, message.op, message.args);
      });
      const detach = () => {
        stop();
        channels.delete(channel);
      };
      channel.onClose(detach);
      return detach;
    },
    close() {
      follower.close();
      channels.clear();
    },
  };
}

async function answer(
  operations: Map<string, Operation>,
  channel: RelayChannel,
  id: number,
  op: string,
  args: readonly unknown[],
): Promise<void> {
  try {
    const operation = operations.get(op);
    if (operation === undefined) throw new Error(`unknown relay operation ${JSON.stringify(op)}`);
    const value = await (operation as (...args: unknown[]) => Promise<unknown>)(...args);
    channel.send({ hotline: RELAY_TAG, kind: 'reply', id, value });
  } catch (error) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    channel.send({
      hotline: RELAY_TAG,
      kind: 'failure',
      id,
      message: typeof message === 'string' ? message : String(error),
      code: typeof code === 'string' ? code : undefined,
    });
  }
}

async function collectPages(pages: AsyncIterable<readonly string[]>): Promise<string[][]> {
  const collected: string[][] = [];
  for await (const page of pages) collected.push([...page]);
  return collected;
}
