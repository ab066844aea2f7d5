/**
 * `npm run bench:log` — the event-log backends side by side on this machine: sequential appends/s (one
 * publisher awaiting each append), concurrent appends/s (100 in flight), follow latency (append call →
 * follower callback, same process, one update at a time) and the time to read one 500-update page. Redis
 * and NATS are the machine's own (127.0.0.1:6379, 127.0.0.1:4222), each on a throwaway key prefix / stream
 * deleted afterwards; a backend whose engine is absent is reported as skipped. Prints a table and writes bench/results/log-backends.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLog } from '../src/hub/log/event-log.js';
import { createMemoryLog } from '../src/hub/log/memory.js';
import { createNatsLog } from '../src/hub/log/nats.js';
import { createRedisLog } from '../src/hub/log/redis.js';
import { createSqliteLog } from '../src/hub/log/sqlite.js';
import type { NewUpdate } from '../src/hub/update.js';
import { NATS_URL, REDIS_URL, reachable } from '../test/fixtures/services.js';

const SEQUENTIAL = Number(process.env.BENCH_APPENDS ?? 3000);
const CONCURRENT_BATCHES = 30;
const LATENCY_SAMPLES = 500;
const PAYLOAD = JSON.stringify({ symbol: 'ACME', price: 101.25, volume: 1200, at: 1_764_000_000_000 });

interface Row {
  backend: string;
  'appends/s (sequential)': number;
  'appends/s (100 in flight)': number;
  'follow p50 ms': number;
  'follow p99 ms': number;
  /** One resume page (median of 7): the 500 updates before the head, as a subscriber's replay reads them. */
  'readAfter 500 ms': number;
}

let n = 0;
const update = (): NewUpdate => ({
  id: `urn:bench:${n++}`,
  topics: ['https://example.com/stocks/ACME'],
  data: PAYLOAD,
  private: false,
  publishedAt: Date.now(),
});

async function measure(backend: string, log: EventLog): Promise<Row> {
  let started = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) await log.append(update());
  const sequential = SEQUENTIAL / ((performance.now() - started) / 1000);

  started = performance.now();
  for (let b = 0; b < CONCURRENT_BATCHES; b++)
    await Promise.all(Array.from({ length: 100 }, () => log.append(update())));
  const concurrent = (CONCURRENT_BATCHES * 100) / ((performance.now() - started) / 1000);

  const latencies: number[] = [];
  let sentAt = 0;
  let arrived: (() => void) | undefined;
  const follower = log.follow(await log.head(), () => {
    latencies.push(performance.now() - sentAt);
    arrived?.();
  });
  // Let a follower's first (catch-up) read settle before timing live deliveries.
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    sentAt = performance.now();
    await log.append(update());
    await delivered;
  }
  follower.close();
  const head = await log.head();
  const reads: number[] = [];
  for (let i = 0; i < 7; i++) {
    started = performance.now();
    const page = await log.readAfter(head - 500, 500);
    reads.push(performance.now() - started);
    if (page.length !== 500) throw new Error(`${backend}: readAfter returned ${page.length} updates, not 500`);
  }
  const readMs = reads.sort((a, b) => a - b)[3]!;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(3));
  return {
    backend,
    'appends/s (sequential)': Math.round(sequential),
    'appends/s (100 in flight)': Math.round(concurrent),
    'follow p50 ms': at(0.5),
    'follow p99 ms': at(0.99),
    'readAfter 500 ms': Number(readMs.toFixed(2)),
  };
}

const rows: Row[] = [];
const skipped: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-log-'));
const run = `hotline-bench-${randomUUID()}`;
try {
  rows.push(await measure('memory', createMemoryLog()));
  const sqlite = await createSqliteLog(join(dir, 'bench.db'));
  rows.push(await measure('sqlite', sqlite));
  await sqlite.close();

  if (await reachable(REDIS_URL)) {
    const redis = await createRedisLog(REDIS_URL, { prefix: run });
    rows.push(await measure('redis', redis));
    await redis.close();
    const { Redis } = await import('ioredis');
    const admin = new Redis(REDIS_URL);
    await admin.del(`{${run}}:stream`, `{${run}}:seq`, `{${run}}:ids`);
    await admin.quit();
  } else skipped.push(`redis (${REDIS_URL} unreachable)`);

  if (await reachable(NATS_URL)) {
    const stream = run.replaceAll(/[^A-Za-z0-9_-]/g, '_');
    const nats = await createNatsLog(NATS_URL, { stream });
    rows.push(await measure('nats', nats));
    await nats.close();
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream);
    await nc.close();
  } else skipped.push(`nats (${NATS_URL} unreachable)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.table(rows);
if (skipped.length > 0) console.log(`skipped: ${skipped.join(', ')}`);
writeFileSync(
  new URL('./results/log-backends.json', import.meta.url),
  `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows, skipped }, null, 2)}\n`,
);
