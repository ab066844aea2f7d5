/**
 * The IPC messages between the load coordinator and its subscriber workers.
 * @module
 */

import type { TlsTrust } from '../tls-trust.js';

/** Where and how subscribers connect. */
export interface SubscribeTarget {
  host: string;
  port: number;
  /**
   * Request path with query, e.g. `/sub/bench` or `/.well-known/mercure?topic=bench`; `{topic}` is replaced
   * by the subscriber's topic number.
   */
  path: string;
  /** Connect over TLS (`https:`). @defaultValue false */
  tls?: boolean;
  /** What to trust over TLS beyond the system's CAs (`--ca`, `--insecure`). */
  tlsTrust?: TlsTrust;
  /** Subscribe as HTTP/2 streams, many per TLS connection, as browsers do (needs `tls`). @defaultValue false */
  http2?: boolean;
  /** Extra request headers, e.g. `{ Authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
}

/** Coordinator → worker: open connections. */
export interface StartMessage {
  type: 'start';
  /** The connection with global index `i` goes to `targets[i % targets.length]`. */
  targets: SubscribeTarget[];
  /** Number of topics: the connection with global index `i` subscribes to topic `i % topics`. */
  topics: number;
  /** Global index of this worker's first connection. */
  firstIndex: number;
  connections: number;
  /** How many of `connections` pause their socket after the head (slow readers, excluded from loss counts). */
  slowReaders: number;
  /** Connections this worker closes and reopens per second (churn, excluded from loss counts). */
  churnPerSecond: number;
  connectBatch: number;
  connectRatePerSecond: number;
  /**
   * A measured subscriber the server closes reconnects with `Last-Event-ID` and goes on counting, unique
   * updates apart from duplicates (by the payload's sequence number).
   */
  reconnect: boolean;
  /**
   * Measured subscribers stop reading at their first frame and read again this long after the coordinator
   * sends `published` (0: never stop).
   */
  stallMs: number;
}

/** Coordinator → worker. */
export type CoordinatorMessage = StartMessage | { type: 'published' } | { type: 'report' } | { type: 'stop' };

/** Worker → coordinator: connection phase result. */
export interface ConnectedMessage {
  type: 'connected';
  connected: number;
  failed: number;
  /** Up to five distinct failure reasons. */
  errors: string[];
}

/** Worker → coordinator: frames so far, about every 250 ms. */
export interface ProgressMessage {
  type: 'progress';
  frames: number;
  /** Time of the latest frame received by a measured subscriber (epoch ms). */
  lastFrameAt: number;
}

/** Worker → coordinator: final counts. */
export interface ReportMessage {
  type: 'report';
  /** Frames received by each measured (not slow, not churned) subscriber still open. */
  perSubscriber: number[];
  /** Measured subscribers whose connection ended or failed after connecting (and, reconnecting, gave up). */
  dropped: number;
  /** Reconnecting: frames received again (a sequence number already seen), not in `perSubscriber`. */
  duplicates: number;
  /** Reconnecting: streams resumed with Last-Event-ID, and attempts that failed. */
  reconnects: number;
  reconnectFailures: number;
  churnConnects: number;
  churnFailures: number;
  firstFrameAt: number;
  lastFrameAt: number;
  histogram: number[];
  /** This worker's own CPU time so far (user + system), in seconds. */
  cpuSeconds: number;
}

/** Worker → coordinator. */
export type WorkerMessage = ConnectedMessage | ProgressMessage | ReportMessage;
