/**
 * The load coordinator: forks subscriber workers, connects them in bounded batches, drives the publisher,
 * waits until every measured subscriber has its frames (or deliveries stop), samples the server process from
 * /proc, and merges everything into one {@link LoadResult}.
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { HotlineTypeError } from '../../errors.js';
import { Histogram } from './histogram.js';
import type { LoadOptions, LoadProgress, LoadResult } from './load-types.js';
import type { ConnectedMessage, ReportMessage, StartMessage, SubscribeTarget, WorkerMessage } from './messages.js';
import { type ProcSample, ProcSampler, readProcs } from './proc-stats.js';
import { publish } from './publisher.js';

export type { LoadOptions, LoadProgress, LoadResult } from './load-types.js';

/** Hard limit of open files per process on this machine is 20,000; stay well under it. */
const MAX_CONNECTIONS_PER_WORKER = 8000;

function validate(options: LoadOptions): void {
  const bad = (field: string, why: string): never => {
    throw new HotlineTypeError('HOTLINE_BENCH_INVALID_OPTIONS', field, `runLoad: ${field} ${why}`);
  };
  if (!Number.isInteger(options.subscribers) || options.subscribers < 1) bad('subscribers', 'must be an integer ≥ 1');
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1))
    bad('workers', 'must be an integer ≥ 1');
  const workers = options.workers ?? Math.ceil(options.subscribers / MAX_CONNECTIONS_PER_WORKER);
  if (options.subscribers / workers > MAX_CONNECTIONS_PER_WORKER)
    bad('workers', `too few: at most ${MAX_CONNECTIONS_PER_WORKER} connections per worker`);
  const fraction = options.slowFraction ?? 0;
  if (!(fraction >= 0 && fraction < 1)) bad('slowFraction', 'must be in [0, 1)');
  if (options.publish && (!Number.isInteger(options.publish.count) || options.publish.count < 0))
    bad('publish.count', 'must be an integer ≥ 0');
  const topics = options.topics ?? 1;
  if (!Number.isInteger(topics) || topics < 1) bad('topics', 'must be an integer ≥ 1');
  if (options.publish && options.publish.count % topics !== 0)
    bad('publish.count', 'must be a multiple of topics (every subscriber then expects count / topics frames)');
  const targets = targetsOf(options);
  if (targets.length === 0) bad('subscribe', 'must name at least one target');
  if (targets.some((t) => !Number.isInteger(t.port) || t.port < 1)) bad('subscribe.port', 'must be a TCP port');
  const stallMs = options.stallMs ?? 0;
  if (!Number.isInteger(stallMs) || stallMs < 0) bad('stallMs', 'must be an integer ≥ 0');
}

// Compiled (dist/, `hotline bench`) the worker is plain JavaScript; from the sources it runs through tsx.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = fileURLToPath(new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url));
const WORKER_EXEC_ARGV = FROM_SOURCE ? ['--import', 'tsx'] : [];

function nextMessage<T extends WorkerMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<WorkerMessage, { type: T }>);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`load worker exited with code ${code} while waiting for '${type}'`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function targetsOf(options: LoadOptions): readonly SubscribeTarget[] {
  return Array.isArray(options.subscribe) ? options.subscribe : [options.subscribe as SubscribeTarget];
}

function serverPidsOf(options: LoadOptions): readonly number[] {
  return options.serverPids ?? (options.serverPid === undefined ? [] : [options.serverPid]);
}

/** Runs one load scenario against any SSE server and resolves with its measurements. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  validate(options);
  const workerCount = options.workers ?? Math.max(1, Math.ceil(options.subscribers / MAX_CONNECTIONS_PER_WORKER));
  const slowTotal = Math.floor(options.subscribers * (options.slowFraction ?? 0));
  const topics = options.topics ?? 1;
  const children = Array.from({ length: workerCount }, () =>
    fork(WORKER, [], { execArgv: WORKER_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const progress: LoadProgress = { phase: 'connecting', connected: 0, framesReceived: 0, framesExpected: 0 };
  const framesBy = new Map<ChildProcess, { frames: number; lastFrameAt: number }>();
  for (const child of children) {
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') framesBy.set(child, { frames: m.frames, lastFrameAt: m.lastFrameAt });
    });
  }
  const tick = setInterval(() => {
    progress.framesReceived = [...framesBy.values()].reduce((sum, p) => sum + p.frames, 0);
    options.onProgress?.({ ...progress });
  }, 250);
  const pids = serverPidsOf(options);
  const sampler = pids.length > 0 ? new ProcSampler(pids) : undefined;
  const before = pids.length > 0 ? readProcs(pids) : undefined;
  try {
    const started = Date.now();
    const connected = await startWorkers(children, options, slowTotal, topics);
    const connectSeconds = (Date.now() - started) / 1000;
    const sum = (pick: (m: ConnectedMessage) => number): number => connected.reduce((s, m) => s + pick(m), 0);
    progress.connected = sum((m) => m.connected);
    await new Promise((r) => setTimeout(r, options.settleMs ?? 500));
    const idle = pids.length > 0 ? readProcs(pids) : undefined;
    const measured = progress.connected - slowTotal;
    let published: LoadResult['publish'];
    const expectedPer = (options.publish?.count ?? 0) / topics;
    progress.framesExpected = measured * expectedPer;
    if (options.publish) {
      progress.phase = 'publishing';
      const p = options.publish;
      const first = targetsOf(options)[0]!;
      const result = await publish({
        host: p.host ?? first.host,
        port: p.port ?? first.port,
        tls: first.tls === true,
        ...(first.tlsTrust === undefined ? {} : { tlsTrust: first.tlsTrust }),
        topics,
        shape: p.shape,
        count: p.count,
        inFlight: p.inFlight,
        payloadBytes: p.payloadBytes,
        ratePerSecond: p.ratePerSecond,
      });
      published = { ...result, durationSeconds: (result.finishedAt - result.startedAt) / 1000 };
      for (const child of children) child.send({ type: 'published' });
      progress.phase = 'draining';
      progress.framesExpected = (measured * result.sent) / topics;
      await drain(framesBy, progress, options.idleTimeoutMs ?? 3000);
    }
    const after = sampler?.sample();
    const reports = await Promise.all(
      children.map((child) => {
        const reply = nextMessage(child, 'report');
        child.send({ type: 'report' });
        return reply;
      }),
    );
    progress.phase = 'done';
    progress.framesReceived = reports.reduce((sum, r) => sum + r.perSubscriber.reduce((a, b) => a + b, 0), 0);
    options.onProgress?.({ ...progress });
    return summarize(options, {
      connected,
      connectSeconds,
      reports,
      published,
      slowTotal,
      expectedPer,
      topics,
      before,
      idle,
      after,
      peak: sampler?.peakRssBytes ?? 0,
    });
  } finally {
    clearInterval(tick);
    sampler?.stop();
    await stopWorkers(children);
  }
}

/** Gives each worker its share of the subscribers (and of the slow readers) and waits until all connected. */
function startWorkers(
  children: ChildProcess[],
  options: LoadOptions,
  slowTotal: number,
  topics: number,
): Promise<ConnectedMessage[]> {
  const workerCount = children.length;
  let firstIndex = 0;
  return Promise.all(
    children.map((child, i) => {
      const share = Math.floor(options.subscribers / workerCount) + (i < options.subscribers % workerCount ? 1 : 0);
      const slowShare = Math.floor(slowTotal / workerCount) + (i < slowTotal % workerCount ? 1 : 0);
      const start: StartMessage = {
        type: 'start',
        targets: [...targetsOf(options)],
        topics,
        firstIndex,
        connections: share,
        slowReaders: slowShare,
        churnPerSecond: (options.churnPerSecond ?? 0) / workerCount,
        connectBatch: options.connectBatch ?? 200,
        connectRatePerSecond: options.connectRatePerSecond ?? 4000,
        reconnect: options.reconnect === true,
        stallMs: options.stallMs ?? 0,
      };
      firstIndex += share;
      const reply = nextMessage(child, 'connected');
      child.send(start);
      return reply;
    }),
  );
}

/** Asks every worker to stop, and kills one that has not exited within 3 s. */
async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** Waits until the workers report every expected frame, or no frame arrived for `idleTimeoutMs`. */
async function drain(
  framesBy: Map<ChildProcess, { frames: number; lastFrameAt: number }>,
  progress: LoadProgress,
  idleTimeoutMs: number,
): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const frames = [...framesBy.values()].reduce((sum, p) => sum + p.frames, 0);
    if (frames >= progress.framesExpected) return;
    if (frames !== last) {
      last = frames;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > idleTimeoutMs) return;
  }
}

interface Collected {
  connected: ConnectedMessage[];
  connectSeconds: number;
  reports: ReportMessage[];
  published: LoadResult['publish'];
  slowTotal: number;
  expectedPer: number;
  topics: number;
  before: ProcSample | undefined;
  idle: ProcSample | undefined;
  after: ProcSample | undefined;
  peak: number;
}

function summarize(options: LoadOptions, c: Collected): LoadResult {
  const histogram = new Histogram();
  let received = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let measuredOpen = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const r of c.reports) {
    histogram.add(r.histogram);
    for (const n of r.perSubscriber) {
      received += n;
      if (n < min) min = n;
      if (n > max) max = n;
      measuredOpen++;
    }
    if (r.firstFrameAt > 0) first = Math.min(first, r.firstFrameAt);
    last = Math.max(last, r.lastFrameAt);
  }
  const connected = c.connected.reduce((s, m) => s + m.connected, 0);
  const dropped = c.reports.reduce((s, r) => s + r.dropped, 0);
  // Publishes go round-robin over the topics: each subscriber expects its topic's share.
  const expectedPer = c.published ? c.published.sent / c.topics : c.expectedPer;
  const expected = (connected - c.slowTotal) * expectedPer;
  const windowSeconds = c.published && last > 0 ? (last - c.published.startedAt) / 1000 : 0;
  const result: LoadResult = {
    subscribers: {
      requested: options.subscribers,
      connected,
      failed: c.connected.reduce((s, m) => s + m.failed, 0),
      errors: [...new Set(c.connected.flatMap((m) => m.errors))].slice(0, 5),
      slow: c.slowTotal,
      measured: measuredOpen,
    },
    connectSeconds: c.connectSeconds,
    frames: {
      expectedPerSubscriber: expectedPer,
      received,
      expected,
      lost: Math.max(0, expected - received),
      minPerSubscriber: measuredOpen > 0 ? min : 0,
      maxPerSubscriber: max,
      dropped,
      ...(options.reconnect === true ? { duplicates: c.reports.reduce((s, r) => s + r.duplicates, 0) } : {}),
    },
    deliveriesPerSecond: windowSeconds > 0 ? Math.round(received / windowSeconds) : 0,
    latency: histogram.summary(),
    clientCpuSeconds: Math.round(c.reports.reduce((s, r) => s + r.cpuSeconds, 0) * 100) / 100,
    churn: {
      connects: c.reports.reduce((s, r) => s + r.churnConnects, 0),
      failures: c.reports.reduce((s, r) => s + r.churnFailures, 0),
    },
  };
  if (options.reconnect === true) {
    result.reconnects = {
      resumed: c.reports.reduce((s, r) => s + r.reconnects, 0),
      failed: c.reports.reduce((s, r) => s + r.reconnectFailures, 0),
    };
  }
  if (c.published) result.publish = c.published;
  const pids = serverPidsOf(options);
  if (pids.length > 0 && c.idle) {
    const cpu = c.after && c.idle ? c.after.cpuSeconds - c.idle.cpuSeconds : 0;
    const rssBefore = c.before?.rssBytes ?? 0;
    result.server = {
      pid: pids[0]!,
      pids: [...pids],
      rssBeforeBytes: rssBefore,
      rssIdleBytes: c.idle.rssBytes,
      rssPeakBytes: Math.max(c.peak, c.idle.rssBytes),
      rssPerSubscriberBytes: connected > 0 ? Math.round((c.idle.rssBytes - rssBefore) / connected) : 0,
      cpuSeconds: Math.round(cpu * 100) / 100,
      cpuMicrosPerDelivery: received > 0 ? Math.round(((cpu * 1e6) / received) * 100) / 100 : 0,
    };
  }
  return result;
}
