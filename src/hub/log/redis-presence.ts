/**
 * The cluster's subscriptions in Redis, beside the event log and under its hash tag: `{p}:presence:nodes`
 * (a set of node ids), `{p}:presence:lease:<node>` (a key that Redis itself expires when the node stops
 * renewing it) and `{p}:presence:subs:<node>` (a sorted set of `<sha256(key)>\0<value>` members, all at
 * score 0). Expiry uses the server's clock, so nodes' clocks need not agree.
 *
 * Why a lexicographic sorted set rather than a hash: a listing pages through it by its last member
 * (`ZRANGEBYLEX`), which returns each entry exactly once however the set changes meanwhile, with nothing
 * to remember between pages; `HSCAN` may return an entry twice, which a listing would have to remember
 * every entry to hide.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PRESENCE_PAGE, type PresenceStore } from './presence-store.js';

/** Removes the member of entry ARGV[1] from the node's set KEYS[1]; shared by put and delete. */
const REMOVE = `
local function remove(set, key)
  for _, member in ipairs(redis.call('ZRANGEBYLEX', set, '[' .. key .. '\\0', '(' .. key .. '\\1')) do
    redis.call('ZREM', set, member)
  end
end
`;

/** Put. KEYS: the node's set; ARGV: the hashed key, the value. One member per key: a put replaces. */
const PUT_SCRIPT = `${REMOVE}
remove(KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], 0, ARGV[1] .. '\\0' .. ARGV[2])
`;

/** Delete. KEYS: the node's set; ARGV: the hashed key. */
const DELETE_SCRIPT = `${REMOVE}
remove(KEYS[1], ARGV[1])
`;

/**
 * Renewal. KEYS: the node set, the node's lease, the node's entries; ARGV: node, lease ms, entries ms.
 * Returns 1 when the node was not registered (first renewal, or reaped meanwhile). The entries outlive
 * the lease by a wide margin so a dead node's stay readable until a live node reaps them, yet vanish at
 * last when no node is left to do it.
 */
const RENEW_SCRIPT = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return added
`;

/**
 * Reaping, atomic so each dead node is taken by one caller only. KEYS: the node set; ARGV: the key prefix.
 * The per-node keys are built here (one hash tag, so one slot even on a Redis Cluster). Returns members.
 */
const REAP_SCRIPT = `
local ended = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'lease:' .. node) == 0 then
    redis.call('SREM', KEYS[1], node)
    local entries = ARGV[1] .. 'subs:' .. node
    for _, member in ipairs(redis.call('ZRANGE', entries, 0, -1)) do ended[#ended + 1] = member end
    redis.call('DEL', entries)
  end
end
return ended
`;

/** How long a node's entries outlive its last renewal, in leases (and at least ten minutes). */
const ENTRY_LEASES = 20;
const MIN_ENTRY_MS = 600_000;

type PresenceRedis = Redis & {
  hotlinePresencePut(...args: string[]): Promise<unknown>;
  hotlinePresenceDelete(...args: string[]): Promise<unknown>;
  hotlinePresenceRenew(...args: (string | number)[]): Promise<number>;
  hotlinePresenceReap(...args: string[]): Promise<string[]>;
};

/** The value of a `<hashed key>\0<value>` member. */
const memberValue = (member: string) => member.slice(member.indexOf('\0') + 1);

/** A {@link PresenceStore} on the Redis connection of the log whose keys start with `{prefix}`. */
export function createRedisPresenceStore(connection: Redis, prefix: string): PresenceStore {
  const redis = connection as PresenceRedis;
  redis.defineCommand('hotlinePresencePut', { numberOfKeys: 1, lua: PUT_SCRIPT });
  redis.defineCommand('hotlinePresenceDelete', { numberOfKeys: 1, lua: DELETE_SCRIPT });
  redis.defineCommand('hotlinePresenceRenew', { numberOfKeys: 3, lua: RENEW_SCRIPT });
  redis.defineCommand('hotlinePresenceReap', { numberOfKeys: 1, lua: REAP_SCRIPT });
  const base = `{${prefix}}:presence:`;
  const nodesKey = `${base}nodes`;
  const lease = (node: string) => `${base}lease:${node}`;
  const entries = (node: string) => `${base}subs:${node}`;
  // Keys may hold any character (a topic, a subscriber id); their digest has no NUL and a fixed length.
  const digest = (key: string) => createHash('sha256').update(key).digest('base64url');

  async function liveNodes(): Promise<string[]> {
    const nodes = await redis.smembers(nodesKey);
    if (nodes.length === 0) return [];
    const leases = await redis.mget(nodes.map(lease));
    return nodes.filter((_, i) => leases[i] !== null);
  }

  return {
    async put(node, key, value) {
      await redis.hotlinePresencePut(entries(node), digest(key), value);
    },
    async delete(node, key) {
      await redis.hotlinePresenceDelete(entries(node), digest(key));
    },
    async renew(node, leaseMs) {
      const entryMs = Math.max(MIN_ENTRY_MS, leaseMs * ENTRY_LEASES);
      const added = await redis.hotlinePresenceRenew(nodesKey, lease(node), entries(node), node, leaseMs, entryMs);
      return added === 0;
    },
    async *values() {
      for (const node of await liveNodes()) {
        let from = '-';
        for (;;) {
          const page = await redis.zrangebylex(entries(node), from, '+', 'LIMIT', 0, PRESENCE_PAGE);
          if (page.length > 0) yield page.map(memberValue);
          if (page.length < PRESENCE_PAGE) break;
          from = `(${page[page.length - 1]}`;
        }
      }
    },
    async holders(key) {
      const nodes = await liveNodes();
      if (nodes.length === 0) return 0;
      const member = digest(key);
      const pipeline = redis.pipeline();
      for (const node of nodes) pipeline.zrangebylex(entries(node), `[${member}\0`, `(${member}\x01`, 'LIMIT', 0, 1);
      const replies = (await pipeline.exec()) ?? [];
      return replies.filter(([error, found]) => error === null && (found as string[]).length > 0).length;
    },
    async reap() {
      return (await redis.hotlinePresenceReap(nodesKey, base)).map(memberValue);
    },
    async leave(node) {
      await redis.multi().srem(nodesKey, node).del(lease(node), entries(node)).exec();
    },
  };
}
