/**
 * `npm run bench:presence` — what the cluster-wide subscriptions API costs: a hub whose cluster holds
 * `BENCH_SUBSCRIPTIONS` subscriptions (default 20,000, recorded by another node under a live lease) lists
 * them all at `GET /.well-known/mercure/subscriptions`, on each shared presence store (Redis, NATS). Prints
 * the time per listing (median of 5) and how far the hub's heap grew while answering, against the size of
 * the answer: the listing is streamed a page at a time, so the heap should not grow with the cluster.
 * Redis and NATS are the machine's own, on throwaway names deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { mintToken } from '../src/cli/token.js';
import { createHub } from '../src/hub/index.js';
import type { EventLog } from '../src/hub/log/event-log.js';
import { createNatsLog } from '../src/hub/log/nats.js';
import { createRedisLog } from '../src/hub/log/redis.js';
import { NATS_URL, REDIS_URL, reachable } from '../test/fixtures/services.js';
import { deleteNatsLog, deleteRedisLog } from './peers/log-cleanup.js';

const COUNT = Number(process.env.BENCH_SUBSCRIPTIONS ?? 20_000);
const SECRET = 'bench-secret-that-is-long-enough-for-hs256';

interface Row {
  store: string;
  subscriptions: number;
  'listing ms (median of 5)': number;
  'response MiB': number;
  'heap growth MiB (max)': number;
}

async function measure(label: string, log: EventLog, cleanup: () => Promise<void>): Promise<Row> {
  const hub = await createHub({
    log,
    logger: pino({ level: 'error' }),
    subscriptionsApi: true,
    publisherKey: { secret: SECRET },
    heartbeatMs: 0,
  });
  const { port } = await hub.listen(0, '127.0.0.1');
  try {
    // Another node's subscriptions, as its presence would record them.
    const store = log.presence?.();
    const other = randomUUID();
    if (store === undefined) throw new Error(`${label}: no shared presence store`);
    await store.renew(other, 600_000);
    for (let i = 0; i < COUNT; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, COUNT - i) }, (_, j) =>
          store.put(
            other,
            String(i + j),
            JSON.stringify({ subscriber: `urn:uuid:${randomUUID()}`, kind: 'exact', source: `/rooms/${i + j}` }),
          ),
        ),
      );
    }
    const bearer = await mintToken({ secret: SECRET, subscribe: ['*'], ttlSeconds: 600 });
    const times: number[] = [];
    let bytes = 0;
    let growth = 0;
    for (let run = 0; run < 5; run++) {
      globalThis.gc?.();
      const base = process.memoryUsage().heapUsed;
      let peak = base;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 2);
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/.well-known/mercure/subscriptions`, {
        headers: { Authorization: `Bearer ${bearer}` },
      });
      if (response.status !== 200) throw new Error(`${label}: ${response.status} ${await response.text()}`);
      // Read as a stream and dropped, so the client's copy does not count as the hub's.
      bytes = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
      times.push(performance.now() - started);
      clearInterval(sampler);
      growth = Math.max(growth, peak - base);
    }
    times.sort((a, b) => a - b);
    await store.leave(other);
    return {
      store: label,
      subscriptions: COUNT,
      'listing ms (median of 5)': Math.round(times[2]!),
      'response MiB': Number((bytes / 2 ** 20).toFixed(1)),
      'heap growth MiB (max)': Number((growth / 2 ** 20).toFixed(1)),
    };
  } finally {
    await hub.close();
    await log.close();
    await cleanup();
  }
}

const rows: Row[] = [];
const name = `hotline-bench-presence-${process.pid}`;
if (await reachable(REDIS_URL)) {
  rows.push(
    await measure('redis', await createRedisLog(REDIS_URL, { prefix: name }), () => deleteRedisLog(REDIS_URL, name)),
  );
} else console.log(`redis: skipped (nothing at ${REDIS_URL})`);
if (await reachable(NATS_URL)) {
  const stream = name.replaceAll('-', '_');
  rows.push(await measure('nats', await createNatsLog(NATS_URL, { stream }), () => deleteNatsLog(NATS_URL, stream)));
} else console.log(`nats: skipped (nothing at ${NATS_URL})`);
console.table(rows);
