/**
 * What {@link runLoad} takes and gives: the options of a load run, its progress reports and its result.
 * @module
 */
import type { LatencySummary } from './histogram.js';
import type { SubscribeTarget } from './messages.js';
import type { PublishResult, PublishShape } from './publisher.js';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /**
   * Where subscribers connect; `{topic}` in the path is replaced by the subscriber's topic number. Several
   * targets (the nodes of a cluster): subscriber `i` connects to target `i % targets`, and the publisher
   * goes to the first unless `publish.host`/`port` say otherwise.
   */
  subscribe: SubscribeTarget | readonly SubscribeTarget[];
  /**
   * Topics, numbered 0 to `topics − 1`: subscriber `i` uses topic `i % topics`, publish `j` goes to topic
   * `j % topics` (`{topic}` in the publish shape), so every subscriber expects `count / topics` frames.
   * @defaultValue 1
   */
  topics?: number;
  /** Number of subscriber connections. */
  subscribers: number;
  /** Worker processes. @defaultValue ceil(subscribers / 8,000), at least 1 */
  workers?: number;
  /** New connections per second, per worker. @defaultValue 4000 */
  connectRatePerSecond?: number;
  /** Connections opened at once. @defaultValue 200 */
  connectBatch?: number;
  /** The publisher; omit for an idle-capacity run (connect, sample, disconnect). */
  publish?: {
    shape: PublishShape;
    count: number;
    inFlight?: number;
    payloadBytes?: number;
    ratePerSecond?: number;
    /** Publisher host/port when they differ from the subscribe target's. */
    host?: string;
    port?: number;
  };
  /**
   * A measured subscriber the server closes reconnects with `Last-Event-ID` (after 50 ms, backing off while
   * attempts fail) and goes on counting: updates are counted once by the payload's sequence number, replays
   * as `frames.duplicates`; `lost` is what never arrived. @defaultValue false (a closed subscriber's missing
   * updates count as lost)
   */
  reconnect?: boolean;
  /**
   * Each measured subscriber stops reading at its first frame and reads again `stallMs` after the last
   * publish was acknowledged: a reader that falls behind through a whole burst, which a hub's slow-consumer
   * policy answers (by closing the stream, typically). Its latency counts the stall. @defaultValue 0 (never)
   */
  stallMs?: number;
  /** Fraction of subscribers that never read (paused sockets). @defaultValue 0 */
  slowFraction?: number;
  /** Connections closed and reopened per second across all workers. @defaultValue 0 */
  churnPerSecond?: number;
  /** Pid of the server process whose RSS and CPU time are sampled. */
  serverPid?: number;
  /**
   * Several processes serving together (nginx workers, hub nodes, `--workers`): their RSS and CPU time are
   * sampled and summed. Takes the place of `serverPid`.
   */
  serverPids?: readonly number[];
  /** Give up waiting for deliveries after this long without a new frame. @defaultValue 3000 */
  idleTimeoutMs?: number;
  /** Wait after connecting before publishing (lets the server settle, and for idle RSS). @defaultValue 500 */
  settleMs?: number;
  /** Called about every 250 ms. */
  onProgress?: (progress: LoadProgress) => void;
}

/** A progress report. */
export interface LoadProgress {
  phase: 'connecting' | 'publishing' | 'draining' | 'done';
  connected: number;
  framesReceived: number;
  framesExpected: number;
}

/** The measurements of one run (see docs/benchmarks-method.md). */
export interface LoadResult {
  subscribers: {
    requested: number;
    connected: number;
    failed: number;
    errors: string[];
    slow: number;
    measured: number;
  };
  connectSeconds: number;
  publish?: PublishResult & { durationSeconds: number };
  frames: {
    expectedPerSubscriber: number;
    received: number;
    expected: number;
    lost: number;
    minPerSubscriber: number;
    maxPerSubscriber: number;
    /** Measured subscribers whose connection ended during the run (reconnecting: and that gave up). */
    dropped: number;
    /** With `reconnect`: updates received again after a resume, not counted in `received`. */
    duplicates?: number;
  };
  /** With `reconnect`: streams resumed with Last-Event-ID, and attempts that failed. */
  reconnects?: { resumed: number; failed: number };
  /** Measured deliveries per second, from the first publish to the last frame received. */
  deliveriesPerSecond: number;
  latency: LatencySummary;
  churn: { connects: number; failures: number };
  /** CPU seconds the subscriber workers used: shows when the client, not the server, is the bottleneck. */
  clientCpuSeconds: number;
  server?: {
    pid: number;
    /** Every process sampled; RSS and CPU are their sums. */
    pids: number[];
    rssIdleBytes: number;
    rssPeakBytes: number;
    rssPerSubscriberBytes: number;
    rssBeforeBytes: number;
    cpuSeconds: number;
    cpuMicrosPerDelivery: number;
  };
}
