/**
 * The worker's side of `hotline serve --workers` (the primary is `serve-workers.ts`): which worker this
 * process is, its log (relayed from the primary for memory and SQLite), `/metrics` of the whole hub
 * (aggregated by the primary), and telling the primary it listens, or hearing from it that it must drain.
 * @module
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, Gauge, type Registry } from 'prom-client';
import type { EventLog, FollowerErrorHandler } from '../hub/log/event-log.js';
import { primaryChannel } from '../hub/log/relay-channel.js';
import { createRelayLog } from '../hub/log/relay-log.js';

/** Tags the messages between the primary and its workers, apart from the relay's and prom-client's. */
export const WORKERS_TAG = 'hotline-workers';

export type WorkersMessage =
  | {
      readonly hotline: typeof WORKERS_TAG;
      readonly type: 'listening';
      readonly origin: string;
      readonly logKind: string;
    }
  | { readonly hotline: typeof WORKERS_TAG; readonly type: 'metrics-request'; readonly id: number }
  | {
      readonly hotline: typeof WORKERS_TAG;
      readonly type: 'metrics';
      readonly id: number;
      readonly text?: string;
      readonly error?: string;
    }
  | { readonly hotline: typeof WORKERS_TAG; readonly type: 'drain' };

/** What a worker process knows and does as one of the hub's workers. */
export interface WorkerRole {
  /** 0 … workers − 1; a restarted worker keeps the index of the one it replaces. */
  readonly index: number;
  readonly workers: number;
  /** The relayed log, served by the primary. */
  relayLog(onFollowerError?: FollowerErrorHandler): Promise<EventLog>;
  /** The hub's metrics: every worker's, aggregated by the primary. */
  metricsText(): Promise<string>;
  /** Adds this worker's own series to its registry (so the aggregate shows each worker apart). */
  instrument(registry: Registry, stats: () => { subscribers: number; published: number }): void;
  /** Tells the primary this worker listens. */
  listening(origin: string, logKind: string): void;
  /** Resolves when the primary asks this worker to drain. */
  readonly drainRequested: Promise<void>;
  /** Leaves the primary's channel, so the process can exit. */
  leave(): void;
}

/** This process's role, or `undefined` when it is not a worker of `hotline serve --workers`. */
export function workerRole(): WorkerRole | undefined {
  // Both: a process manager's cluster mode (PM2) also runs `hotline serve` as a cluster worker, of a primary
  // that is not ours; only the primary of serve-workers.ts names its workers.
  const named = process.env.HOTLINE_WORKER_INDEX;
  if (!cluster.isWorker || named === undefined) return undefined;
  const index = Number(named);
  const workers = Number(process.env.HOTLINE_WORKER_COUNT ?? '1');
  const send = (message: WorkersMessage) => process.send?.(message);
  const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  let nextId = 1;
  let onDrain: () => void = () => {};
  const drainRequested = new Promise<void>((resolve) => {
    onDrain = resolve;
  });
  const listener = (message: unknown) => {
    const received = message as Partial<WorkersMessage> | null;
    if (typeof received !== 'object' || received === null || received.hotline !== WORKERS_TAG) return;
    if (received.type === 'drain') onDrain();
    if (received.type !== 'metrics') return;
    const { id, text, error } = received as Extract<WorkersMessage, { type: 'metrics' }>;
    const request = waiting.get(id);
    waiting.delete(id);
    if (text !== undefined) request?.resolve(text);
    else request?.reject(new Error(error ?? 'no metrics'));
  };
  process.on('message', listener);
  // prom-client answers the primary's requests for this process's metrics from these registries.
  let answering = false;
  return {
    index,
    workers,
    relayLog: (onFollowerError) =>
      createRelayLog(primaryChannel(), onFollowerError === undefined ? {} : { onFollowerError }),
    metricsText() {
      const id = nextId++;
      return new Promise<string>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        send({ hotline: WORKERS_TAG, type: 'metrics-request', id });
      });
    },
    instrument(registry, stats) {
      const labels = { worker: String(index), pid: String(process.pid) };
      new Gauge({
        name: 'hotline_worker_subscribers',
        help: 'Subscribers connected to one worker of this hub (hotline serve --workers)',
        labelNames: ['worker', 'pid'] as const,
        registers: [registry],
        collect() {
          this.set(labels, stats().subscribers);
        },
      });
      new Gauge({
        name: 'hotline_worker_updates_published',
        help: 'Updates published through one worker of this hub since that worker started',
        labelNames: ['worker', 'pid'] as const,
        registers: [registry],
        collect() {
          this.set(labels, stats().published);
        },
      });
      // Constructing one is what installs prom-client's answering listener in a worker.
      if (!answering) new AggregatorRegistry();
      answering = true;
      AggregatorRegistry.setRegistries([registry]);
    },
    listening: (origin, logKind) => send({ hotline: WORKERS_TAG, type: 'listening', origin, logKind }),
    drainRequested,
    leave() {
      process.off('message', listener);
      if (process.connected) process.disconnect();
    },
  };
}
