/**
 * A benchmark target, run as its own process so its RSS and CPU are its own: one channel, subscribers at
 * `GET /sub`, and `POST /run?count=&size=&batch=` broadcasting `count` events of about `size` bytes,
 * `batch` per event-loop turn. Each payload carries its send time for latency sampling.
 * Usage: node --import tsx bench/server/target.ts <hotline|better-sse>
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChannel as createBetterChannel, createSession as createBetterSession } from 'better-sse';
import { createChannel, createSession } from '../../src/server/index.js';

const system = process.argv[2];

interface Target {
  subscribe(req: IncomingMessage, res: ServerResponse): void;
  broadcast(data: string): void;
  readonly size: number;
}

function hotlineTarget(): Target {
  const channel = createChannel();
  return {
    subscribe: (req, res) =>
      void channel.subscribe(createSession(req, res, { heartbeatMs: 15_000, maxBufferedBytes: 8 * 1024 * 1024 })),
    broadcast: (data) => void channel.broadcast(data),
    get size() {
      return channel.size;
    },
  };
}

function betterSseTarget(): Target {
  const channel = createBetterChannel();
  return {
    subscribe: (req, res) => {
      void createBetterSession(req, res, { keepAlive: 15_000 }).then((session) => channel.register(session));
    },
    broadcast: (data) => void channel.broadcast(data, 'message'),
    get size() {
      return channel.sessionCount;
    },
  };
}

const target = system === 'better-sse' ? betterSseTarget() : hotlineTarget();

async function run(count: number, size: number, batch: number): Promise<{ ms: number; cpuUs: number }> {
  const pad = 'x'.repeat(Math.max(0, size - 40));
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let seq = 0; seq < count; seq++) {
    target.broadcast(`{"t":${Date.now()},"s":${seq},"p":"${pad}"}`);
    if ((seq + 1) % batch === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuUs: used.user + used.system };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/sub') return target.subscribe(req, res);
  if (url.pathname === '/stats') {
    res.end(JSON.stringify({ subscribers: target.size, rss: process.memoryUsage().rss }));
    return;
  }
  if (url.pathname === '/run' && req.method === 'POST') {
    const q = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    void run(q('count', 100), q('size', 64), q('batch', 1)).then((result) => res.end(JSON.stringify(result)));
    return;
  }
  res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
