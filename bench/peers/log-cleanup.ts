/**
 * Deleting what a hub's shared log left in its engine, for the benchmarks and the tests that run hubs on the
 * machine's Redis or NATS: every key of a Redis log, every stream of a NATS log. The drivers are loaded on
 * use: they are the hub's optional dependencies.
 * @module
 */

/** Deletes every key of the Redis log named `prefix` (they share the hash tag `{<prefix>}`). */
export async function deleteRedisLog(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Deletes the NATS log's stream `stream` and its presence stream (`<stream>_presence`), where they exist. */
export async function deleteNatsLog(natsUrl: string, stream: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [stream, `${stream}_presence`]) await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}
