/**
 * Several `hotline serve` processes on one Redis Streams log: a hub cluster on one machine. Each node is the
 * compiled CLI (see {@link startHotline}) with `--log redis://…?name=<prefix>`, one fresh key prefix per
 * start, and one publisher secret for all; `stop()` stops every node and deletes the prefix's keys.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { type HotlineLog, startHotline } from './hotline.js';
import { deleteRedisLog } from './log-cleanup.js';

/** The Redis the benchmark uses unless `HOTLINE_BENCH_REDIS_URL` names another. */
export const BENCH_REDIS_URL = process.env.HOTLINE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HotlineCluster {
  /** Base URL of every node, e.g. `http://127.0.0.1:41234`. */
  urls: string[];
  /** The node processes (their RSS and CPU are summed). */
  pids: number[];
  publisherJwt: string;
  /** The key prefix of the cluster's log (`{<prefix>}:stream`, …). */
  prefix: string;
  stop(): Promise<void>;
}

/** Starts `nodes` hubs sharing one Redis log; on failure stops those started and deletes the keys. */
export async function startHotlineCluster(nodes: number, redisUrl = BENCH_REDIS_URL): Promise<HotlineCluster> {
  const prefix = `hotline-bench-${randomBytes(6).toString('hex')}`;
  const log = `${redisUrl}?name=${prefix}` as HotlineLog;
  const secret = randomBytes(32).toString('base64url');
  const started: Awaited<ReturnType<typeof startHotline>>[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((node) => node.stop()));
    await deleteRedisLog(redisUrl, prefix);
  };
  try {
    // One after the other: each node creates the log's keys idempotently, but a clean start is easier to read.
    for (let i = 0; i < nodes; i++) started.push(await startHotline(log, { secret }));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    urls: started.map((node) => node.url),
    pids: started.map((node) => node.pid),
    publisherJwt: started[0]!.publisherJwt,
    prefix,
    stop,
  };
}
