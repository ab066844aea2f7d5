/**
 * The cluster's subscriptions in Redis, beside the event log and under its hash tag: `{p}:presence:nodes`
 * (a set of node ids), `{p}:presence:lease:<node>` (a key that Redis itself expires when the node stops
 * renewing it) and `{p}:presence:subs:<node>` (a hash, subscription key → value). Expiry uses the server's
 * clock, so nodes' clocks need not agree.
 * @module
 */
import type { Redis } from 'ioredis';
import { PRESENCE_PAGE, type PresenceStore } from './presence-store.js';

/**
 * Renewal. KEYS: the node set, the node's lease, the node's hash; ARGV: node, lease ms, hash ms. Returns 1
 * when the node was not registered (first renewal, or reaped meanwhile). The hash outlives the lease by a
 * wide margin so a dead node's entries stay readable until a live node reaps them, yet vanish at last
 * when no node is left to do it.
 */
const RENEW_SCRIPT = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return added
`;

/**
 * Reaping, atomic so each dead node is taken by one caller only. KEYS: the node set; ARGV: the key prefix.
 * The per-node keys are built here (one hash tag, so one slot even on a Redis Cluster).
 */
const REAP_SCRIPT = `
local ended = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'lease:' .. node) == 0 then
    redis.call('SREM', KEYS[1], node)
    local hash = ARGV[1] .. 'subs:' .. node
    for _, value in ipairs(redis.call('HVALS', hash)) do ended[#ended + 1] = value end
    redis.call('DEL', hash)
  end
end
return ended
`;

/** How long a node's hash outlives its last renewal, in leases (and at least ten minutes). */
const HASH_LEASES = 20;
const MIN_HASH_MS = 600_000;

type PresenceRedis = Redis & {
  hotlinePresenceRenew(...args: (string | number)[]): Promise<number>;
  hotlinePresenceReap(...args: string[]): Promise<string[]>;
};

/** A {@link PresenceStore} on the Redis connection of the log whose keys start with `{prefix}`. */
export function createRedisPresenceStore(connection: Redis, prefix: string): PresenceStore {
  const redis = connection as PresenceRedis;
  redis.defineCommand('hotlinePresenceRenew', { numberOfKeys: 3, lua: RENEW_SCRIPT });
  redis.defineCommand('hotlinePresenceReap', { numberOfKeys: 1, lua: REAP_SCRIPT });
  const base = `{${prefix}}:presence:`;
  const nodesKey = `${base}nodes`;
  const lease = (node: string) => `${base}lease:${node}`;
  const hash = (node: string) => `${base}subs:${node}`;

  async function liveNodes(): Promise<string[]> {
    const nodes = await redis.smembers(nodesKey);
    if (nodes.length === 0) return [];
    const leases = await redis.mget(nodes.map(lease));
    return nodes.filter((_, i) => leases[i] !== null);
  }

  return {
    async put(node, key, value) {
      await redis.hset(hash(node), key, value);
    },
    async delete(node, key) {
      await redis.hdel(hash(node), key);
    },
    async renew(node, leaseMs) {
      const hashMs = Math.max(MIN_HASH_MS, leaseMs * HASH_LEASES);
      const added = await redis.hotlinePresenceRenew(nodesKey, lease(node), hash(node), node, leaseMs, hashMs);
      return added === 0;
    },
    async *values() {
      for (const node of await liveNodes()) {
        // HSCAN may return an entry twice when the hash is resized during the scan; each is listed once.
        const seen = new Set<string>();
        let cursor = '0';
        do {
          const [next, flat] = await redis.hscan(hash(node), cursor, 'COUNT', PRESENCE_PAGE);
          cursor = next;
          const page: string[] = [];
          for (let i = 0; i + 1 < flat.length; i += 2) {
            const key = flat[i]!;
            if (seen.has(key)) continue;
            seen.add(key);
            page.push(flat[i + 1]!);
          }
          // COUNT is a hint Redis may exceed: pages stay within their bound anyway.
          for (let i = 0; i < page.length; i += PRESENCE_PAGE) yield page.slice(i, i + PRESENCE_PAGE);
        } while (cursor !== '0');
      }
    },
    reap() {
      return redis.hotlinePresenceReap(nodesKey, base);
    },
    async leave(node) {
      await redis.multi().srem(nodesKey, node).del(lease(node), hash(node)).exec();
    },
  };
}
