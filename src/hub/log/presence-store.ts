/**
 * The shared record of who is subscribed, for a cluster's subscriptions API and presence: each node's
 * subscriptions are kept under that node's lease in the engine the nodes already share (Redis, NATS), so
 * any node can list every subscription of the cluster, and the subscriptions of a node that died without
 * saying goodbye stop being listed once its lease runs out — and are handed, exactly once, to one live
 * node to announce as ended. The in-memory store here serves a single process (memory and SQLite logs).
 * @module
 */

/** What a node records in the engine about its subscriptions, and how the cluster finds the dead. */
export interface PresenceStore {
  /** Records one subscription of `node` under `key` (unique within the node), replacing any there. */
  put(node: string, key: string, value: string): Promise<void>;
  /** Forgets one subscription of `node`. */
  delete(node: string, key: string): Promise<void>;
  /**
   * Starts or extends `node`'s lease for `leaseMs`. Resolves `false` when the node was not registered
   * (its first renewal, or it had been presumed dead and reaped): its entries may be gone, put them again.
   */
  renew(node: string, leaseMs: number): Promise<boolean>;
  /** Every value of every node whose lease is live, a page at a time (memory stays bounded by a page). */
  values(): AsyncIterable<readonly string[]>;
  /** How many nodes with a live lease hold an entry under `key` (one lookup per node, not a scan). */
  holders(key: string): Promise<number>;
  /**
   * Takes every node whose lease ran out: each is taken by exactly one caller in the cluster, its
   * entries deleted and their values returned, for the caller to announce as ended.
   */
  reap(): Promise<string[]>;
  /** Ends `node`'s lease and deletes its entries: a clean shutdown. */
  leave(node: string): Promise<void>;
}

/** How many values a store hands out per page of {@link PresenceStore.values}. */
export const PRESENCE_PAGE = 500;

/** A {@link PresenceStore} for the nodes of one process. */
export function createMemoryPresenceStore(now: () => number = Date.now): PresenceStore {
  const nodes = new Map<string, { expiresAt: number; entries: Map<string, string> }>();
  const entriesOf = (node: string) => {
    let found = nodes.get(node);
    if (found === undefined) {
      // Unregistered until its first renewal, like the engines: not listed yet.
      found = { expiresAt: Number.NEGATIVE_INFINITY, entries: new Map() };
      nodes.set(node, found);
    }
    return found.entries;
  };
  return {
    async put(node, key, value) {
      entriesOf(node).set(key, value);
    },
    async delete(node, key) {
      nodes.get(node)?.entries.delete(key);
    },
    async renew(node, leaseMs) {
      const found = nodes.get(node);
      const registered = found !== undefined && found.expiresAt !== Number.NEGATIVE_INFINITY;
      entriesOf(node);
      nodes.get(node)!.expiresAt = now() + leaseMs;
      return registered;
    },
    async *values() {
      const at = now();
      for (const { expiresAt, entries } of [...nodes.values()]) {
        if (expiresAt < at) continue;
        const values = [...entries.values()];
        for (let i = 0; i < values.length; i += PRESENCE_PAGE) yield values.slice(i, i + PRESENCE_PAGE);
      }
    },
    async holders(key) {
      const at = now();
      let count = 0;
      for (const { expiresAt, entries } of nodes.values()) if (expiresAt >= at && entries.has(key)) count++;
      return count;
    },
    async reap() {
      const at = now();
      const ended: string[] = [];
      for (const [node, { expiresAt, entries }] of nodes) {
        if (expiresAt === Number.NEGATIVE_INFINITY || expiresAt >= at) continue;
        nodes.delete(node);
        ended.push(...entries.values());
      }
      return ended;
    },
    async leave(node) {
      nodes.delete(node);
    },
  };
}
