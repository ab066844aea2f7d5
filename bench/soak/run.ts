/**
 * `npm run soak -- --minutes 10` — a mixed load against a three-node hub cluster on Redis Streams:
 * publishers numbering updates per topic, steady subscribers checking every sequence for gaps and
 * duplicates, churning subscribers, and slow readers that never read. Prints node RSS over time, deliveries,
 * latency and losses (which must be 0), and writes bench/results/soak.json. Needs Redis on 127.0.0.1:6379.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectSocket, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '../../src/cli/token.js';
import { connect, type EventStreamConnection } from '../../src/client/index.js';
import { type HubProcess, startHubProcess } from '../../test/fixtures/hub-process.js';

const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1] ?? 1) || 1;
const REDIS = process.env.HOTLINE_SOAK_REDIS ?? 'redis://127.0.0.1:6379';
const SECRET = 'soak-secret-soak-secret-soak-secret-0000';
const TOPICS = 10;
const STEADY = 300;
const SLOW = 15;
const PUBLISH_PER_SECOND = 200;

const startNode = (name: string, dataDir: string) =>
  startHubProcess({
    dataDir,
    args: [
      '--log',
      `${REDIS}/?name=${name}`,
      '--jwt-secret',
      SECRET,
      '--allow-anonymous',
      '--no-dashboard',
      '--log-level',
      'error',
    ],
  });

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const name = `hotline-soak-${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), 'hotline-soak-'));
const nodes = await Promise.all([0, 1, 2].map(() => startNode(name, dir)));
const publisher = await mintToken({ secret: SECRET, publish: ['*'] });
const endpoint = (node: HubProcess) => `${node.origin}/.well-known/mercure`;
const pick = (i: number) => nodes[i % nodes.length]!;

// Steady subscribers mark each (topic, sequence) they receive; concurrent publishers may store a topic's
// sequences out of numeric order, so the check is "each acknowledged update exactly once", not "in order".
/** A growable bitmap of sequence numbers. */
class SeqSet {
  bits = new Uint8Array(1024);
  add(seq: number): boolean {
    if (seq >= this.bits.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const fresh = this.bits[seq] === 0;
    this.bits[seq] = 1;
    return fresh;
  }
  has(seq: number): boolean {
    return seq < this.bits.length && this.bits[seq] === 1;
  }
}
let delivered = 0;
let duplicates = 0;
const latencies: number[] = [];
const steady: EventStreamConnection[] = [];
const seenBy: SeqSet[][] = [];
const acknowledged = Array.from({ length: TOPICS }, () => new SeqSet());
for (let i = 0; i < STEADY; i++) {
  const seen = Array.from({ length: TOPICS }, () => new SeqSet());
  seenBy.push(seen);
  steady.push(
    connect(`${endpoint(pick(i))}?topic=${encodeURIComponent('/soak/{n}')}`, {
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
      onEvent: (event) => {
        const { topic, seq, t } = JSON.parse(event.data) as { topic: number; seq: number; t: number };
        delivered++;
        if (i === 0) latencies.push(Date.now() - t);
        if (!seen[topic]!.add(seq)) duplicates++;
      },
    }),
  );
}

// Slow readers: connected, never reading; the hub must drop them and stay bounded.
const slow: Socket[] = [];
for (let i = 0; i < SLOW; i++) {
  const url = new URL(`${endpoint(pick(i))}?topic=/soak/0`);
  const socket = connectSocket(Number(url.port), url.hostname, () => {
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
    socket.pause();
  });
  socket.on('error', () => {});
  slow.push(socket);
}

// Churn: a subscriber comes and goes every 100 ms.
let churned = 0;
const churn = setInterval(() => {
  const c = connect(`${endpoint(pick(churned++))}?topic=/soak/${churned % TOPICS}`, { reconnect: false });
  setTimeout(() => c.close(), 1000);
}, 100);

// Publishers: per-topic sequence numbers, round-robin over the nodes, a fixed total rate.
const sequence = Array.from({ length: TOPICS }, () => 0);
let published = 0;
let failed = 0;
let stop = false;
const publishing = (async () => {
  let i = 0;
  while (!stop) {
    const started = Date.now();
    await Promise.all(
      Array.from({ length: PUBLISH_PER_SECOND / 10 }, async () => {
        const topic = i++ % TOPICS;
        const seq = ++sequence[topic]!;
        for (let attempt = 0; attempt < 5; attempt++) {
          const response = await fetch(endpoint(pick(i + attempt)), {
            method: 'POST',
            headers: { Authorization: `Bearer ${publisher}` },
            body: new URLSearchParams({ topic: `/soak/${topic}`, data: JSON.stringify({ topic, seq, t: Date.now() }) }),
          }).catch(() => undefined);
          await response?.text();
          if (response?.status === 200) {
            published++;
            acknowledged[topic]!.add(seq);
            return;
          }
        }
        failed++;
      }),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
  }
})();

const samples: { second: number; rssMiB: number[]; delivered: number }[] = [];
const startedAt = Date.now();
const sampler = setInterval(() => {
  samples.push({
    second: Math.round((Date.now() - startedAt) / 1000),
    rssMiB: nodes.map((n) => Math.round(rssMiB(n.child.pid!))),
    delivered,
  });
  const last = samples.at(-1)!;
  console.error(`t=${last.second}s rss=${last.rssMiB.join('/')} MiB delivered=${delivered} published=${published}`);
}, 5000);

await new Promise((r) => setTimeout(r, minutes * 60_000));
stop = true;
await publishing;
clearInterval(churn);
const target = published * STEADY;
const deadline = Date.now() + 30_000;
while (delivered < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
clearInterval(sampler);
for (const c of steady) c.close();
for (const s of slow) s.destroy();
for (const n of nodes) n.kill();
const { Redis } = await import('ioredis');
const redis = new Redis(REDIS);
const keys = await redis.keys(`${name}*`);
if (keys.length > 0) await redis.del(...keys);
await redis.quit();

latencies.sort((a, b) => a - b);
let lost = 0;
for (const seen of seenBy) {
  for (let topic = 0; topic < TOPICS; topic++) {
    for (let seq = 1; seq <= sequence[topic]!; seq++)
      if (acknowledged[topic]!.has(seq) && !seen[topic]!.has(seq)) lost++;
  }
}
const summary = {
  minutes,
  nodes: 3,
  engine: 'redis',
  steadySubscribers: STEADY,
  slowReaders: SLOW,
  churnedSubscribers: churned,
  published,
  publishFailures: failed,
  delivered,
  expectedDeliveries: target,
  lost,
  duplicated: duplicates,
  p50Ms: latencies[Math.floor(latencies.length / 2)],
  p99Ms: latencies[Math.floor(latencies.length * 0.99)],
  rssMiBFirst: samples[0]?.rssMiB,
  rssMiBLast: samples.at(-1)?.rssMiB,
  rssMiBMax: [0, 1, 2].map((i) => Math.max(...samples.map((s) => s.rssMiB[i]!))),
};
console.log('| metric | value |\n|---|---:|');
for (const [k, v] of Object.entries(summary)) console.log(`| ${k} | ${Array.isArray(v) ? v.join(' / ') : v} |`);
/** A one-line chart of a series, scaled to its own range. */
function sparkline(values: number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const low = Math.min(...values);
  const span = Math.max(...values) - low || 1;
  return values.map((v) => bars[Math.min(7, Math.floor(((v - low) / span) * 8))]).join('');
}
const perSecond = samples.map((sample, i) => (sample.delivered - (samples[i - 1]?.delivered ?? 0)) / 5);
console.log(`\nRSS over time, every 5 s (MiB): ${samples.map((s) => s.rssMiB.join('/')).join('  ')}`);
for (let node = 0; node < 3; node++) {
  const series = samples.map((s) => s.rssMiB[node]!);
  console.log(`  node ${node + 1} RSS   ${sparkline(series)}  ${Math.min(...series)}–${Math.max(...series)} MiB`);
}
console.log(
  `  deliveries/s ${sparkline(perSecond)}  ${Math.round(Math.min(...perSecond))}–${Math.round(Math.max(...perSecond))}`,
);
writeFileSync(
  new URL('../results/soak.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), summary, samples }, null, 2)}\n`,
);
process.exit(lost === 0 && duplicates === 0 ? 0 : 1);
