/**
 * A subscriber worker process: opens its share of connections over raw `node:net` sockets (a hand-written
 * HTTP/1.1 GET), counts frames with {@link FrameCounter}, records publish→receive latency, and answers the
 * coordinator over IPC. Raw sockets and no SSE parser: the client must cost far less than the server it loads.
 * @module
 */
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as connectTls } from 'node:tls';
import { FrameCounter } from './frame-counter.js';
import { Histogram } from './histogram.js';
import { Http2Streams } from './http2-streams.js';
import type { CoordinatorMessage, StartMessage, SubscribeTarget, WorkerMessage } from './messages.js';
import { SeqSet } from './seq-set.js';

interface Subscriber {
  /** Its TCP (or TLS) socket, or its HTTP/2 stream; replaced when it reconnects. */
  socket: Duplex;
  readonly target: SubscribeTarget;
  readonly request: Request;
  frames: number;
  readonly measured: boolean;
  readonly slow: boolean;
  open: boolean;
  /** Reconnecting: the newest `id` received, sent back as Last-Event-ID. */
  lastEventId: string | undefined;
  /** Reconnecting: sequence numbers received, so a replayed update is counted once. */
  seen: SeqSet | undefined;
  stalled: boolean;
  /** Reconnecting: failed attempts in a row (it gives up after {@link MAX_RECONNECT_ATTEMPTS}). */
  failures: number;
  gaveUp: boolean;
}

/** A subscriber that cannot reconnect this many times in a row stays closed and counts as dropped. */
const MAX_RECONNECT_ATTEMPTS = 8;

const histogram = new Histogram();
const subscribers: Subscriber[] = [];
const churning = new Set<Duplex>();
const http2 = new Http2Streams();
let frames = 0;
let firstFrameAt = 0;
let lastFrameAt = 0;
let dropped = 0;
let duplicates = 0;
let reconnects = 0;
let reconnectFailures = 0;
let churnConnects = 0;
let churnFailures = 0;
let stopping = false;
/** Sockets paused by `stallMs`, read again `stallMs` after the coordinator says the last publish is done. */
let stalled: Duplex[] = [];
let published = false;
let options: StartMessage | undefined;
let churnTimer: NodeJS.Timeout | undefined;
let progressTimer: NodeJS.Timeout | undefined;
const now = (): number => performance.timeOrigin + performance.now();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** The placeholder for the topic number in paths, topics and channels. */
const TOPIC = '{topic}';

/** One topic's request: the path (HTTP/2) and the HTTP/1.1 request head without its final blank line. */
interface Request {
  path: string;
  head: string;
}

function requestOf(target: SubscribeTarget, topic: number): Request {
  const path = target.path.replaceAll(TOPIC, String(topic));
  let head = `GET ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n`;
  for (const [name, value] of Object.entries(target.headers ?? {})) head += `${name}: ${value}\r\n`;
  return { path, head };
}

/**
 * A TLS connection offering no ALPN protocol, so the server answers the raw HTTP/1.1 GET in HTTP/1.1 (one
 * connection per subscriber, as the benchmark intends, even against an HTTP/2 hub).
 */
function connectTlsTo(target: SubscribeTarget): Socket {
  const trust = target.tlsTrust;
  return connectTls({
    host: target.host,
    port: target.port,
    // SNI takes a name, never an address.
    ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
    ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
    rejectUnauthorized: trust?.insecure !== true,
  });
}

function subscriberOf(target: SubscribeTarget, request: Request, measured: boolean, slow: boolean): Subscriber {
  return {
    socket: undefined as unknown as Duplex, // set by attach() before anything reads it
    target,
    request,
    frames: 0,
    measured,
    slow,
    open: false,
    lastEventId: undefined,
    seen: measured && options?.reconnect === true ? new SeqSet() : undefined,
    stalled: false,
    failures: 0,
    gaveUp: false,
  };
}

/** A frame of a measured subscriber: counted once per sequence number when reconnecting. */
function onFrame(sub: Subscriber, stamp: number | undefined, seq: number | undefined, id: string | undefined): void {
  if (id !== undefined) sub.lastEventId = id;
  if (sub.seen !== undefined) {
    // Reconnecting, only the generator's own updates count: not a server's `reset` notice, say.
    if (seq === undefined) return;
    if (!sub.seen.add(seq)) {
      duplicates++;
      return;
    }
  }
  sub.frames++;
  if (!sub.measured) return;
  frames++;
  const t = now();
  if (firstFrameAt === 0) firstFrameAt = t;
  lastFrameAt = t;
  if (stamp !== undefined) histogram.record((t - stamp) * 1000);
  const stallMs = options?.stallMs ?? 0;
  if (stallMs > 0 && !sub.stalled) {
    // A hiccup through the whole burst: the server's slow-consumer policy decides what follows.
    sub.stalled = true;
    sub.socket.pause();
    stalled.push(sub.socket);
    if (published) resumeStalled(stallMs);
  }
}

function resumeStalled(stallMs: number): void {
  const sockets = stalled;
  stalled = [];
  setTimeout(() => {
    for (const socket of sockets) socket.resume();
  }, stallMs).unref();
}

/**
 * Opens a connection for `sub` (with Last-Event-ID once it has one); resolves once the head arrived with a
 * 2xx status, rejects with the reason otherwise.
 */
function attach(sub: Subscriber): Promise<void> {
  return new Promise((resolve, reject) => {
    const { target, request } = sub;
    const resume: Record<string, string> = sub.lastEventId === undefined ? {} : { 'Last-Event-ID': sub.lastEventId };
    const socket: Duplex = target.http2
      ? http2.open(target, request.path, resume)
      : target.tls
        ? connectTlsTo(target)
        : connect(target.port, target.host);
    sub.socket = socket;
    let opened = false;
    const fail = (reason: string): void => {
      socket.destroy();
      if (!opened) {
        reject(new Error(reason));
        return;
      }
      if (sub.socket !== socket || !sub.open) return;
      sub.open = false;
      if (sub.measured && options?.reconnect === true && !stopping) reconnect(sub);
      else if (sub.measured) dropped++;
    };
    const counter = new FrameCounter(
      (head) => {
        if (head.status < 200 || head.status > 299) return fail(`HTTP ${head.status}`);
        opened = true;
        sub.open = true;
        if (sub.slow) socket.pause();
        resolve();
      },
      (stamp, seq, id) => onFrame(sub, stamp, seq, id),
      { ids: sub.seen !== undefined },
    );
    if (target.http2) {
      socket.once('response', (headers: Record<string, unknown>) => counter.bodyOnly(Number(headers[':status'])));
    } else {
      (socket as Socket).setNoDelay(true);
      const lastEventId = sub.lastEventId === undefined ? '' : `Last-Event-ID: ${sub.lastEventId}\r\n`;
      socket.on(target.tls ? 'secureConnect' : 'connect', () => socket.write(`${request.head}${lastEventId}\r\n`));
    }
    socket.on('data', (chunk: Buffer) => {
      try {
        counter.feed(chunk);
      } catch (error) {
        fail((error as Error).message);
      }
    });
    socket.on('error', (error) => fail(error.message));
    socket.on('close', () => fail(opened ? 'closed by server' : 'closed before the response head'));
  });
}

/** Reopens a closed measured subscriber, backing off 50 ms, 100 ms, … while attempts fail. */
function reconnect(sub: Subscriber): void {
  const delay = 50 * 2 ** Math.min(sub.failures, 5);
  setTimeout(() => {
    if (stopping) return;
    attach(sub).then(
      () => {
        sub.failures = 0;
        reconnects++;
      },
      () => {
        reconnectFailures++;
        sub.failures++;
        if (sub.failures < MAX_RECONNECT_ATTEMPTS) reconnect(sub);
        else {
          sub.gaveUp = true;
          dropped++;
        }
      },
    );
  }, delay).unref();
}

async function open(target: SubscribeTarget, request: Request, measured: boolean, slow: boolean): Promise<Subscriber> {
  const sub = subscriberOf(target, request, measured, slow);
  await attach(sub);
  return sub;
}

async function start(message: StartMessage): Promise<void> {
  options = message;
  // Connection `i` (global index) takes topic `i % topics` and target `i % targets`.
  const requests = message.targets.flatMap((target) =>
    Array.from({ length: Math.max(1, Math.min(message.topics, message.connections)) }, (_, k) =>
      requestOf(target, (message.firstIndex + k) % message.topics),
    ),
  );
  const perTarget = requests.length / message.targets.length;
  const connectionFor = (k: number): [SubscribeTarget, Request] => {
    const t = (message.firstIndex + k) % message.targets.length;
    return [message.targets[t]!, requests[t * perTarget + (k % perTarget)]!];
  };
  const errors = new Set<string>();
  let failed = 0;
  const batchPauseMs = (1000 * message.connectBatch) / message.connectRatePerSecond;
  for (let i = 0; i < message.connections; i += message.connectBatch) {
    const started = Date.now();
    const batch = Array.from({ length: Math.min(message.connectBatch, message.connections - i) }, (_, k) => {
      const slow = i + k < message.slowReaders;
      return open(...connectionFor(i + k), !slow, slow);
    });
    for (const result of await Promise.allSettled(batch)) {
      if (result.status === 'fulfilled') subscribers.push(result.value);
      else {
        failed++;
        if (errors.size < 5) errors.add(String(result.reason?.message ?? result.reason));
      }
    }
    const wait = batchPauseMs - (Date.now() - started);
    if (wait > 0) await sleep(wait);
  }
  send({ type: 'connected', connected: subscribers.length, failed, errors: [...errors] });
  progressTimer = setInterval(() => send({ type: 'progress', frames, lastFrameAt }), 250);
  if (message.churnPerSecond > 0) startChurn(message, connectionFor);
}

/** Churn: every 100 ms, close the oldest churn connection(s) and open as many new ones. */
function startChurn(message: StartMessage, connectionFor: (k: number) => [SubscribeTarget, Request]): void {
  const perTick = Math.max(1, Math.round(message.churnPerSecond / 10));
  const pool: Duplex[] = [];
  churnTimer = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      pool.shift()?.destroy();
      const attempt = open(...connectionFor(churnConnects), false, false);
      churnConnects++;
      attempt.then(
        (sub) => {
          churning.add(sub.socket);
          pool.push(sub.socket);
          sub.socket.on('close', () => churning.delete(sub.socket));
        },
        () => churnFailures++,
      );
    }
  }, 100);
}

function report(): void {
  // Reconnecting, a subscriber between two connections still counts: only one that gave up does not.
  const reconnecting = options?.reconnect === true;
  const perSubscriber = subscribers
    .filter((s) => s.measured && (reconnecting ? !s.gaveUp : s.open))
    .map((s) => s.frames);
  send({
    type: 'report',
    perSubscriber,
    dropped,
    duplicates,
    reconnects,
    reconnectFailures,
    churnConnects,
    churnFailures,
    firstFrameAt,
    lastFrameAt,
    histogram: histogram.toJSON(),
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
}

function stop(): void {
  stopping = true;
  clearInterval(churnTimer);
  clearInterval(progressTimer);
  for (const sub of subscribers) {
    sub.open = false;
    sub.socket.destroy();
  }
  for (const socket of churning) socket.destroy();
  http2.destroy();
  process.disconnect?.();
}

process.on('message', (message: CoordinatorMessage) => {
  if (message.type === 'start') {
    start(message).catch((error: unknown) => {
      send({ type: 'connected', connected: 0, failed: message.connections, errors: [String(error)] });
    });
  } else if (message.type === 'published') {
    published = true;
    resumeStalled(options?.stallMs ?? 0);
  } else if (message.type === 'report') report();
  else stop();
});
