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

interface Subscriber {
  /** Its TCP (or TLS) socket, or its HTTP/2 stream. */
  socket: Duplex;
  frames: number;
  measured: boolean;
  open: boolean;
}

const histogram = new Histogram();
const subscribers: Subscriber[] = [];
const churning = new Set<Duplex>();
const http2 = new Http2Streams();
let frames = 0;
let firstFrameAt = 0;
let lastFrameAt = 0;
let dropped = 0;
let churnConnects = 0;
let churnFailures = 0;
let churnTimer: NodeJS.Timeout | undefined;
let progressTimer: NodeJS.Timeout | undefined;
const now = (): number => performance.timeOrigin + performance.now();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** The placeholder for the topic number in paths, topics and channels. */
const TOPIC = '{topic}';

/** One topic's request: the path (HTTP/2) and the whole HTTP/1.1 request, built once per topic. */
interface Request {
  path: string;
  raw: string;
}

function requestOf(target: SubscribeTarget, topic: number): Request {
  const path = target.path.replaceAll(TOPIC, String(topic));
  let head = `GET ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n`;
  for (const [name, value] of Object.entries(target.headers ?? {})) head += `${name}: ${value}\r\n`;
  return { path, raw: `${head}\r\n` };
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

/** Opens one subscriber; resolves once the head arrived with a 2xx status, rejects with the reason otherwise. */
function open(target: SubscribeTarget, request: Request, measured: boolean, slow: boolean): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket: Duplex = target.http2
      ? http2.open(target, request.path)
      : target.tls
        ? connectTlsTo(target)
        : connect(target.port, target.host);
    const sub: Subscriber = { socket, frames: 0, measured, open: false };
    const fail = (reason: string): void => {
      socket.destroy();
      if (!sub.open) reject(new Error(reason));
      else if (sub.measured) dropped++;
      sub.open = false;
    };
    const counter = new FrameCounter(
      (head) => {
        if (head.status < 200 || head.status > 299) return fail(`HTTP ${head.status}`);
        sub.open = true;
        if (slow) socket.pause();
        resolve(sub);
      },
      (stamp) => {
        sub.frames++;
        if (!measured) return;
        frames++;
        const t = now();
        if (firstFrameAt === 0) firstFrameAt = t;
        lastFrameAt = t;
        if (stamp !== undefined) histogram.record((t - stamp) * 1000);
      },
    );
    if (target.http2) {
      socket.once('response', (headers: Record<string, unknown>) => counter.bodyOnly(Number(headers[':status'])));
    } else {
      (socket as Socket).setNoDelay(true);
      socket.on(target.tls ? 'secureConnect' : 'connect', () => socket.write(request.raw));
    }
    socket.on('data', (chunk: Buffer) => {
      try {
        counter.feed(chunk);
      } catch (error) {
        fail((error as Error).message);
      }
    });
    socket.on('error', (error) => fail(error.message));
    socket.on('close', () => {
      if (sub.open) fail('closed by server');
      else reject(new Error('closed before the response head'));
    });
  });
}

async function start(message: StartMessage): Promise<void> {
  const requests = Array.from({ length: Math.max(1, Math.min(message.topics, message.connections)) }, (_, k) =>
    requestOf(message.target, (message.firstIndex + k) % message.topics),
  );
  const requestFor = (k: number): Request => requests[k % requests.length]!;
  const errors = new Set<string>();
  let failed = 0;
  const batchPauseMs = (1000 * message.connectBatch) / message.connectRatePerSecond;
  for (let i = 0; i < message.connections; i += message.connectBatch) {
    const started = Date.now();
    const batch = Array.from({ length: Math.min(message.connectBatch, message.connections - i) }, (_, k) => {
      const slow = i + k < message.slowReaders;
      return open(message.target, requestFor(i + k), !slow, slow);
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
  if (message.churnPerSecond > 0) startChurn(message, requestFor);
}

/** Churn: every 100 ms, close the oldest churn connection(s) and open as many new ones. */
function startChurn(message: StartMessage, requestFor: (k: number) => Request): void {
  const perTick = Math.max(1, Math.round(message.churnPerSecond / 10));
  const pool: Duplex[] = [];
  churnTimer = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      pool.shift()?.destroy();
      const attempt = open(message.target, requestFor(churnConnects), false, false);
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
  const perSubscriber = subscribers.filter((s) => s.measured && s.open).map((s) => s.frames);
  send({
    type: 'report',
    perSubscriber,
    dropped,
    churnConnects,
    churnFailures,
    firstFrameAt,
    lastFrameAt,
    histogram: histogram.toJSON(),
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
}

function stop(): void {
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
  } else if (message.type === 'report') report();
  else stop();
});
