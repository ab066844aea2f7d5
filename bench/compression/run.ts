/**
 * `npm run bench:compression` — a JSON stock ticker through the hub, uncompressed vs gzip vs br, each event
 * flushed at once: bytes on the wire per event, hub CPU per delivery, publish→receive latency over every
 * subscriber, and memory per compressed stream. Writes bench/results/compression.json.
 *
 * The subscribers run in a child process (this file with `--clients`), so that their decoding neither
 * counts as the hub's CPU nor competes with it for the event loop or zlib's thread pool. Latency is
 * `performance.timeOrigin + performance.now()` on both sides: one machine, one clock, sub-millisecond.
 * One process reads all 200 sockets in turn, so the p50 includes the time to get through half of them.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { constants, createBrotliDecompress, createGunzip } from 'node:zlib';
import { createHub } from '../../src/hub/index.js';
import { createParser } from '../../src/protocol/index.js';
import { sharedGzipStats } from '../../src/server/shared-gzip.js';
import { zlibWriteSync } from '../../src/server/zlib-sync.js';

// A live ticker at a fixed rate: 200 subscribers, 50 events/s for 6 s. (Saturating the server instead
// measures a queue, not the cost of compression.)
const EVENTS = 300;
/** `npm run bench:compression -- --subscribers 2000` measures a bigger fan-out (one client process reads them all). */
const subscribersFlag = process.argv.indexOf('--subscribers');
const SUBSCRIBERS = subscribersFlag === -1 ? 200 : Number(process.argv[subscribersFlag + 1]);
/** `--rate N` events/s: a bigger fan-out needs a lower rate, or hub and clients saturate the machine and the
 * latency measures their queues. */
const rateFlag = process.argv.indexOf('--rate');
const INTERVAL_MS = rateFlag === -1 ? 20 : 1000 / Number(process.argv[rateFlag + 1]);
const TOPIC = 'https://example.com/ticker';
const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag === -1 ? 3 : Number(process.argv[roundsFlag + 1]);
const symbols = ['ACME', 'GLOBEX', 'INITECH', 'UMBRELLA', 'HOOLI', 'STARK'];
type Encoding = 'identity' | 'gzip' | 'br';

const now = () => performance.timeOrigin + performance.now();

/**
 * Decodes each chunk as it arrives, on this thread: async zlib streams would put 200 decoders on the
 * thread pool of a process that also reads 200 sockets, and measure that queue instead of the hub.
 */
function createDecoder(encoding: Encoding): (chunk: Buffer) => Buffer {
  if (encoding === 'identity') return (chunk) => chunk;
  const zlib = encoding === 'gzip' ? createGunzip() : createBrotliDecompress();
  const flush = encoding === 'gzip' ? constants.Z_SYNC_FLUSH : constants.BROTLI_OPERATION_PROCESS;
  return (chunk) => zlibWriteSync(zlib, chunk, flush);
}

interface ClientReport {
  wireBytes: number;
  received: number;
  latenciesMs: number[];
  cpuUs: number;
}

/** The child: opens the subscribers, reports once every event reached every one of them (or at 60 s). */
async function clients(port: number, encoding: Encoding): Promise<ClientReport> {
  let wireBytes = 0;
  let received = 0;
  const latenciesMs: number[] = [];
  const url = `http://127.0.0.1:${port}/.well-known/mercure?topic=${encodeURIComponent(TOPIC)}`;
  await Promise.all(
    Array.from(
      { length: SUBSCRIBERS },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(url, { headers: { 'Accept-Encoding': encoding } }, (res) => {
            if (res.headers['content-encoding'] !== (encoding === 'identity' ? undefined : encoding))
              reject(new Error(`asked for ${encoding}, got ${res.headers['content-encoding']}`));
            const parser = createParser({
              onEvent: (e) => {
                received++;
                latenciesMs.push(now() - (JSON.parse(e.data) as { t: number }).t);
              },
            });
            const decoder = createDecoder(encoding);
            res.on('data', (c: Buffer) => {
              wireBytes += c.length;
              parser.feed(decoder(c));
            });
            resolve();
          });
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  process.send?.('subscribed');
  const cpu = process.cpuUsage();
  const deadline = Date.now() + 60_000;
  while (received < EVENTS * SUBSCRIBERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const used = process.cpuUsage(cpu);
  return { wireBytes, received, latenciesMs, cpuUs: used.user + used.system };
}

async function run(encoding: Encoding) {
  const hub = await createHub({
    allowAnonymous: true,
    heartbeatMs: 0,
    homePage: false,
    compression: encoding === 'identity' ? false : { encodings: [encoding] },
  });
  const { port } = await hub.listen(0, '127.0.0.1');
  const child = fork(
    new URL(import.meta.url),
    ['--clients', String(port), encoding, '--subscribers', String(SUBSCRIBERS)],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  const report = new Promise<ClientReport>((resolve, reject) => {
    child.on('message', (m) => {
      if (m !== 'subscribed') resolve(m as ClientReport);
    });
    child.on('exit', (code) => reject(new Error(`the client process exited with ${code}`)));
  });
  await new Promise<void>((resolve) => child.on('message', (m) => m === 'subscribed' && resolve()));
  while (hub.subscriberCount < SUBSCRIBERS) await new Promise((r) => setTimeout(r, 5));
  const rssBefore = process.memoryUsage().rss;
  const gzipBefore = sharedGzipStats();
  const cpu = process.cpuUsage();
  let price = 100;
  for (let i = 0; i < EVENTS; i++) {
    price = Math.max(1, price * (1 + (Math.random() - 0.5) / 100));
    const data = { symbol: symbols[i % symbols.length], price: Number(price.toFixed(2)), volume: 1000 + (i % 977) };
    await hub.publish({ topics: [TOPIC], data: JSON.stringify({ ...data, t: now() }), type: 'price' });
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  const clientReport = await report;
  const used = process.cpuUsage(cpu);
  const rss = process.memoryUsage().rss - rssBefore;
  const gzipAfter = sharedGzipStats();
  child.kill();
  await hub.close();
  const deliveries = EVENTS * SUBSCRIBERS;
  const sorted = clientReport.latenciesMs.sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.floor(sorted.length * q)] ?? Number.NaN).toFixed(2));
  return {
    encoding,
    delivered: clientReport.received,
    bytesPerEvent: Number((clientReport.wireBytes / deliveries).toFixed(1)),
    hubCpuUsPerDelivery: Number(((used.user + used.system) / deliveries).toFixed(2)),
    clientCpuUsPerDelivery: Number((clientReport.cpuUs / deliveries).toFixed(2)),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    rssGrowthPerStreamKiB: Number((rss / SUBSCRIBERS / 1024).toFixed(1)),
    // gzip only: compressions per published event and compressors alive at the end, over all 200 streams.
    compressionsPerEvent: Number(((gzipAfter.compressed - gzipBefore.compressed) / EVENTS).toFixed(2)),
    compressors: gzipAfter.chains,
  };
}

type Row = Awaited<ReturnType<typeof run>>;

/** The median of each number over the rounds: this machine is shared, so one round can be disturbed. */
function medianRow(rounds: Row[]): Row {
  const median = (pick: (r: Row) => number) => {
    const values = rounds.map(pick).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)]!;
  };
  return {
    encoding: rounds[0]!.encoding,
    delivered: Math.min(...rounds.map((r) => r.delivered)),
    bytesPerEvent: median((r) => r.bytesPerEvent),
    hubCpuUsPerDelivery: median((r) => r.hubCpuUsPerDelivery),
    clientCpuUsPerDelivery: median((r) => r.clientCpuUsPerDelivery),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    rssGrowthPerStreamKiB: median((r) => r.rssGrowthPerStreamKiB),
    compressionsPerEvent: median((r) => r.compressionsPerEvent),
    compressors: median((r) => r.compressors),
  };
}

if (process.argv[2] === '--clients') {
  const report = await clients(Number(process.argv[3]), process.argv[4] as Encoding);
  process.send?.(report);
} else {
  // `npm run bench:compression -- gzip` runs only the encodings named (e.g. under --cpu-prof).
  const chosen = process.argv.slice(2).filter((a) => ['identity', 'gzip', 'br'].includes(a)) as Encoding[];
  const encodings = chosen.length > 0 ? chosen : (['identity', 'gzip', 'br'] as const);
  const byEncoding = new Map<Encoding, Row[]>();
  // Rounds interleave the encodings, so a disturbance on the machine hits them alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const encoding of encodings) {
      const rounds = byEncoding.get(encoding) ?? [];
      rounds.push(await run(encoding));
      byEncoding.set(encoding, rounds);
    }
  }
  const rows = [...byEncoding.values()].map(medianRow);
  const base = rows[0]!;
  console.log(
    `${SUBSCRIBERS} subscribers, ${EVENTS} events at ${1000 / INTERVAL_MS}/s, latency over every delivery, median of ${ROUNDS} rounds\n`,
  );
  console.log(
    '| encoding | bytes/event on the wire | vs first | hub CPU µs/delivery | client CPU µs/delivery | p50 ms | p99 ms | RSS growth/stream KiB | gzip compressions/event | gzip compressors |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.encoding} | ${r.bytesPerEvent} | ${((r.bytesPerEvent / base.bytesPerEvent) * 100).toFixed(0)}% | ${r.hubCpuUsPerDelivery} | ${r.clientCpuUsPerDelivery} | ${r.p50Ms} | ${r.p99Ms} | ${r.rssGrowthPerStreamKiB} | ${r.compressionsPerEvent} | ${r.compressors} |`,
    );
  }
  for (const r of rows) {
    if (r.delivered !== EVENTS * SUBSCRIBERS)
      console.log(`${r.encoding}: only ${r.delivered} of ${EVENTS * SUBSCRIBERS} deliveries arrived`);
  }
  writeFileSync(
    new URL(`../results/compression${SUBSCRIBERS === 200 ? '' : `-${SUBSCRIBERS}`}.json`, import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), events: EVENTS, subscribers: SUBSCRIBERS, rounds: ROUNDS, rows }, null, 2)}\n`,
  );
}
