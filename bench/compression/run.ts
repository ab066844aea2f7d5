/**
 * `npm run bench:compression` — a JSON stock ticker over one stream, uncompressed vs gzip vs br, each
 * event flushed at once: bytes on the wire per event, server CPU per delivery, publish→receive latency,
 * and memory per compressed stream. Writes bench/results/compression.json.
 */
import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { createParser } from '../../src/protocol/index.js';
import { createSession, type Session } from '../../src/server/index.js';

// A live ticker at a fixed rate: 200 subscribers, 50 events/s for 6 s. (Saturating the server instead
// measures zlib's thread pool queue, not the cost of compression.)
const EVENTS = 300;
const SUBSCRIBERS = 200;
const INTERVAL_MS = 20;
const symbols = ['ACME', 'GLOBEX', 'INITECH', 'UMBRELLA', 'HOOLI', 'STARK'];

async function run(encoding: 'identity' | 'gzip' | 'br') {
  const sessions: Session[] = [];
  const server = createServer((req, res) =>
    sessions.push(createSession(req, res, { heartbeatMs: 0, compression: encoding !== 'identity' })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  let wireBytes = 0;
  let received = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from(
      { length: SUBSCRIBERS },
      (_, i) =>
        new Promise<void>((resolve) => {
          request({ port, host: '127.0.0.1', headers: { 'Accept-Encoding': encoding } }, (res) => {
            const parser = createParser({
              onEvent: (e) => {
                received++;
                if (i === 0) latencies.push(Date.now() - (JSON.parse(e.data) as { t: number }).t);
              },
            });
            res.on('data', (c: Buffer) => {
              wireBytes += c.length;
            });
            const decoded =
              encoding === 'gzip'
                ? res.pipe(createGunzip())
                : encoding === 'br'
                  ? res.pipe(createBrotliDecompress())
                  : res;
            decoded.on('data', (c: Buffer) => parser.feed(c));
            resolve();
          }).end();
        }),
    ),
  );
  while (sessions.length < SUBSCRIBERS) await new Promise((r) => setTimeout(r, 5));
  const heapBefore = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let price = 100;
  for (let i = 0; i < EVENTS; i++) {
    price = Math.max(1, price * (1 + (Math.random() - 0.5) / 100));
    const data = {
      symbol: symbols[i % symbols.length],
      price: Number(price.toFixed(2)),
      volume: 1000 + (i % 977),
      t: Date.now(),
    };
    for (const s of sessions) s.send(data, { event: 'price', id: String(i) });
    // Each event is flushed on its own, the worst case for compression ratio.
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  while (received < EVENTS * SUBSCRIBERS && performance.now() - started < 60_000)
    await new Promise((r) => setTimeout(r, 5));
  const used = process.cpuUsage(cpu);
  const rss = process.memoryUsage().rss - heapBefore;
  server.closeAllConnections();
  server.close();
  latencies.sort((a, b) => a - b);
  return {
    encoding,
    bytesPerEvent: wireBytes / (EVENTS * SUBSCRIBERS),
    cpuUsPerDelivery: (used.user + used.system) / (EVENTS * SUBSCRIBERS),
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN,
    rssGrowthPerStreamKiB: rss / SUBSCRIBERS / 1024,
  };
}

const rows = [];
for (const encoding of ['identity', 'gzip', 'br'] as const) rows.push(await run(encoding));
const base = rows[0]!;
console.log(
  '| encoding | bytes/event on the wire | vs plain | CPU µs/delivery (client decode included) | p50 ms | p99 ms | RSS growth/stream KiB |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.encoding} | ${r.bytesPerEvent.toFixed(1)} | ${((r.bytesPerEvent / base.bytesPerEvent) * 100).toFixed(0)}% | ${r.cpuUsPerDelivery.toFixed(2)} | ${r.p50Ms} | ${r.p99Ms} | ${r.rssGrowthPerStreamKiB.toFixed(1)} |`,
  );
}
writeFileSync(
  new URL('../results/compression.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), events: EVENTS, subscribers: SUBSCRIBERS, rows }, null, 2)}\n`,
);
