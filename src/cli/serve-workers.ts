/**
 * `hotline serve --workers <n|auto>`: n processes serve one hub on one port (node:cluster — the primary
 * holds the listening socket and hands connections to the workers in turn; TLS included, as each worker
 * terminates its own connections). This file is the primary: it owns a memory or SQLite log and relays
 * it (`hub/log/relay-owner.ts`; on Redis or NATS each worker follows the engine itself), starts and
 * restarts the workers, aggregates their metrics for `/metrics`, and on SIGTERM drains them all.
 * The worker's side is `serve-worker-role.ts`.
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import type { EventLog } from '../hub/log/event-log.js';
import { workerChannel } from '../hub/log/relay-channel.js';
import { type RelayOwner, serveRelay } from '../hub/log/relay-owner.js';
import type { OptionTable } from './args.js';
import { CliError, sqlitePath } from './fail.js';
import { WORKERS_TAG, type WorkersMessage } from './serve-worker-role.js';

export const WORKERS_OPTIONS: OptionTable = {
  workers: {
    type: 'string',
    description:
      'Processes serving the hub on one port: a number, or auto for one per CPU core; each gets an even share of --max-connections and --max-connections-per-ip',
    env: 'HOTLINE_WORKERS',
    default: '1',
    valueName: 'n|auto',
  },
};

/** The number of workers `--workers` asks for. */
export function workerCount(value: number | 'auto'): number {
  return value === 'auto' ? availableParallelism() : value;
}

/** True when the log lives in one process (memory, SQLite) and is relayed to the workers. */
export function isRelayedLog(spec: string): boolean {
  return spec === 'memory' || sqlitePath(spec) !== undefined;
}

/** One worker's share of a hub-wide limit: rounded up, so the hub admits at least the limit; 0 (none) stays 0. */
export function workerShare(limit: number, workers: number): number {
  return limit === 0 ? 0 : Math.ceil(limit / workers);
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly logSpec: string;
  /** Opens the log (memory or SQLite) the primary owns; not called for Redis or NATS. */
  readonly openLog: () => Promise<EventLog>;
  readonly logger: Logger;
  /** How long the workers' drain may take before they are killed. */
  readonly drainWindowMs: number;
  /** Pass SIGHUP on to the workers (TLS: each reloads its certificate); otherwise SIGHUP keeps its default. */
  readonly forwardSighup: boolean;
  /** Called once, when every worker listens: prints the hub's address. */
  readonly onReady: (origin: string, logKind: string) => void;
}

/** Runs the primary until SIGTERM or SIGINT has drained every worker; resolves with the exit code. */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { workers, logger } = options;
  const log = isRelayedLog(options.logSpec) ? await options.openLog() : undefined;
  const relay = log === undefined ? undefined : await serveRelay(log);
  // Structured clone keeps undefined fields, Infinity and nested arrays as the relay sends them.
  cluster.setupPrimary({ serialization: 'advanced' });
  const aggregator = new AggregatorRegistry<PrometheusContentType>();
  const supervisor = new Supervisor(options, relay, aggregator);
  for (let index = 0; index < workers; index++) supervisor.start(index);
  const outcome = await Promise.race([supervisor.failed, stopSignal()]);
  const code = outcome === 'stop' ? 0 : 1;
  if (outcome !== 'stop') logger.error(outcome.message);
  await supervisor.stopAll(options.drainWindowMs);
  relay?.close();
  await log?.close();
  logger.info('stopped');
  return code;
}

function stopSignal(): Promise<'stop'> {
  return new Promise((resolve) => {
    const stop = () => resolve('stop');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Starts, restarts and stops the workers, and answers what they ask the primary. */
class Supervisor {
  readonly #options: PrimaryOptions;
  readonly #relay: RelayOwner | undefined;
  readonly #aggregator: AggregatorRegistry<PrometheusContentType>;
  readonly #running = new Map<Worker, number>();
  readonly #listening = new Set<number>();
  #ready = false;
  #stopping = false;
  #fail: (error: Error) => void = () => {};
  /** Resolves with the reason the hub cannot run: a worker died before the hub was ready. */
  readonly failed = new Promise<Error>((resolve) => {
    this.#fail = resolve;
  });

  constructor(
    options: PrimaryOptions,
    relay: RelayOwner | undefined,
    aggregator: AggregatorRegistry<PrometheusContentType>,
  ) {
    this.#options = options;
    this.#relay = relay;
    this.#aggregator = aggregator;
    // A certificate reload reaches every worker, each of which terminates TLS for its own connections.
    if (options.forwardSighup) {
      process.on('SIGHUP', () => {
        for (const worker of this.#running.keys()) worker.process.kill('SIGHUP');
      });
    }
  }

  start(index: number): void {
    const worker = cluster.fork({
      HOTLINE_WORKER_INDEX: String(index),
      HOTLINE_WORKER_COUNT: String(this.#options.workers),
    });
    this.#running.set(worker, index);
    this.#relay?.attach(workerChannel(worker));
    worker.on('message', (message: unknown) => void this.#answer(worker, message));
    worker.once('exit', (code, signal) => {
      this.#running.delete(worker);
      if (this.#stopping) return;
      if (!this.#ready) {
        this.#fail(new CliError(`worker ${index} exited (${signal ?? code}) before the hub was ready`, 1));
        return;
      }
      // Its clients reconnect to the other workers and resume by id; a fresh worker takes its place.
      this.#options.logger.warn({ worker: index, code, signal }, 'a worker exited; starting another');
      this.start(index);
    });
  }

  async stopAll(drainWindowMs: number): Promise<void> {
    this.#stopping = true;
    const exits = [...this.#running.keys()].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          if (worker.isConnected()) worker.send({ hotline: WORKERS_TAG, type: 'drain' } satisfies WorkersMessage);
        }),
    );
    // A drain is bounded: past the window plus a margin, whatever still runs is killed.
    const deadline = setTimeout(() => {
      for (const worker of this.#running.keys()) worker.process.kill('SIGKILL');
    }, drainWindowMs + 5_000);
    await Promise.all(exits);
    clearTimeout(deadline);
  }

  async #answer(worker: Worker, message: unknown): Promise<void> {
    if (!isWorkersMessage(message)) return;
    if (message.type === 'listening') {
      this.#listening.add(this.#running.get(worker) ?? -1);
      if (!this.#ready && this.#listening.size >= this.#options.workers) {
        this.#ready = true;
        this.#options.onReady(message.origin, message.logKind);
      }
      return;
    }
    if (message.type !== 'metrics-request') return;
    let reply: WorkersMessage;
    try {
      reply = { hotline: WORKERS_TAG, type: 'metrics', id: message.id, text: await this.#aggregator.clusterMetrics() };
    } catch (error) {
      reply = { hotline: WORKERS_TAG, type: 'metrics', id: message.id, error: (error as Error).message };
    }
    if (worker.isConnected()) worker.send(reply);
  }
}

function isWorkersMessage(message: unknown): message is WorkersMessage {
  return typeof message === 'object' && message !== null && (message as { hotline?: unknown }).hotline === WORKERS_TAG;
}
